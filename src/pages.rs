//! Which pages the process's memory is faulted in on (Linux; elsewhere nothing changes): small
//! ones while a command starts, huge ones again for a screen that stays open.
//!
//! mimalloc asks Linux for transparent huge pages (2 MiB) for its memory. On a virtual machine
//! whose host takes back the memory a guest leaves free (virtio's free page reporting, as on the
//! servers volunteers reach over SSH), a process started a second or more after the last one
//! found each huge page slow to fault in: a district's `status` spent 50–170 ms in the kernel
//! instead of 10–30, and the patrol screen's first frame took about 180 ms instead of about 70
//! (#14). Small pages are faulted in as they are used. A screen that stays open reloads what
//! other terminals change, again and again, and there huge pages answered keys sooner (its
//! slowest key under 20 writers 20–30 ms with huge pages throughout, 21–66 ms on small pages
//! throughout). Allowing them again once the screen is up did not win all of that back (15–93 ms;
//! README, "Issue #14: every row at three sizes"): what stalls it is not found yet.

/// Small pages from here on, for memory not yet faulted in.
pub fn small_only() {
    set_huge_pages_disabled(true);
}

/// Huge pages allowed again (where the system allows them), once a screen is up.
pub fn huge_allowed() {
    set_huge_pages_disabled(false);
}

#[cfg(target_os = "linux")]
fn set_huge_pages_disabled(disabled: bool) {
    // SAFETY: PR_SET_THP_DISABLE takes a flag and no pointers. Should it fail, the pages stay as
    // they were, which is only slower.
    unsafe {
        libc::prctl(
            libc::PR_SET_THP_DISABLE,
            libc::c_ulong::from(disabled),
            0,
            0,
            0,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn set_huge_pages_disabled(_disabled: bool) {}
