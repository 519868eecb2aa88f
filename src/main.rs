use std::process::ExitCode;

/// A district's round is tens of thousands of short strings made and dropped, and glibc's malloc
/// and free were a fifth of its profile; with mimalloc a district month's ledger takes 15–25%
/// less CPU (#14).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    use_small_pages();
    // Parsed in the user's language: help and usage errors in Chinese under a Chinese locale.
    curtain::cli::main(curtain::cli::help::parse(std::env::args_os().collect()))
}

/// mimalloc asks Linux for transparent huge pages for its memory. On a virtual machine whose host
/// takes back the memory a guest leaves free (virtio's free page reporting, as on the servers
/// volunteers reach over SSH), a process started a second or more after the last one found each
/// 2 MiB page slow to fault in: a district's `status` spent 50–170 ms in the kernel instead of
/// 10–30, and the patrol screen's first frame went from about 70 ms to about 180 ms (#14). Small
/// pages are faulted in as they are used, and cost the ledger nothing measurable.
#[cfg(target_os = "linux")]
fn use_small_pages() {
    // SAFETY: PR_SET_THP_DISABLE takes no pointers. Should it fail, huge pages stay allowed,
    // which is only slower.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

#[cfg(not(target_os = "linux"))]
fn use_small_pages() {}
