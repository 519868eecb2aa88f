//! Which pages the process's memory is faulted in on (Linux; elsewhere nothing changes): small
//! ones while a command starts, huge ones for a screen that stays open.
//!
//! mimalloc asks Linux for transparent huge pages (2 MiB) for its memory. On a virtual machine
//! whose host takes back the memory a guest leaves free (virtio's free page reporting, as on the
//! servers volunteers reach over SSH), a process started a second or more after the last one
//! found each huge page slow to fault in: a district's `status` spent 50–170 ms in the kernel
//! instead of 10–30, and the patrol screen's first frame took about 180 ms instead of about 70
//! (#14). Small pages are faulted in as they are used.
//!
//! A screen that stays open is the other way round. Where the host maps guest memory page by
//! page (a nested virtual machine, as the machine #14 was measured on is), each small page a
//! frame touches after the process was switched out can cost a trip to the host: with 20 other
//! processes writing, a frame that touched 30,000 rows took 20–30 ms of CPU now and then
//! instead of 1. The screen now touches only the rows it shows, and once it is up its memory
//! is gathered onto huge pages ([`settle_on_huge_pages`]): its slowest key under 20 writers went
//! from 10–49 ms in four runs without the gathering to 12–35 ms in six with it (README, "Issue
//! #14: the worst key").

/// Small pages from here on, for memory not yet faulted in.
pub fn small_only() {
    set_huge_pages_disabled(true);
}

/// Huge pages allowed again (where the system allows them), once a screen is up, and the
/// memory it faulted in on small pages gathered onto huge ones. The gathering copies the
/// process's memory (84 MB at 30,000 elders, in 0.12 s), so it runs on a thread of its own
/// while the screen answers keys; the kernel keeps the memory's contents as they are.
pub fn settle_on_huge_pages() {
    set_huge_pages_disabled(false);
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    std::thread::spawn(gather_onto_huge_pages);
}

/// Collapses each 2 MiB stretch of the process's private writable memory that has pages in it
/// into one huge page (`MADV_COLLAPSE`, Linux 6.1). Stretches with nothing in them, and any
/// the kernel declines, stay as they are: this only makes memory faster to reach.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn gather_onto_huge_pages() {
    const HUGE: usize = 2 << 20;
    let Ok(maps) = std::fs::read_to_string("/proc/self/maps") else {
        return;
    };
    for (start, end) in maps.lines().filter_map(private_anonymous_range) {
        let mut stretch = start.div_ceil(HUGE).saturating_mul(HUGE);
        while stretch.saturating_add(HUGE) <= end {
            // SAFETY: the stretch lies inside a mapping of this process, as the kernel listed
            // it a moment ago; MADV_COLLAPSE moves its pages without changing what they hold,
            // and a mapping changed since is refused with an error, which is ignored.
            unsafe {
                libc::madvise(stretch as *mut libc::c_void, HUGE, libc::MADV_COLLAPSE);
            }
            stretch += HUGE;
        }
    }
}

/// The address range of a `/proc/self/maps` line that is private writable memory of no file
/// (the heap, mimalloc's arenas).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn private_anonymous_range(line: &str) -> Option<(usize, usize)> {
    let mut fields = line.split_whitespace();
    let (range, permissions) = (fields.next()?, fields.next()?);
    let path = fields.nth(3);
    if !permissions.starts_with("rw") || !permissions.ends_with('p') {
        return None;
    }
    if path.is_some_and(|path| path != "[heap]") {
        return None;
    }
    let (start, end) = range.split_once('-')?;
    Some((
        usize::from_str_radix(start, 16).ok()?,
        usize::from_str_radix(end, 16).ok()?,
    ))
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

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    use super::private_anonymous_range;

    #[test]
    fn only_private_writable_memory_of_no_file_is_gathered() {
        for (line, expected) in [
            (
                "7f13f4000000-7f13f421a000 rw-p 00000000 00:00 0 ",
                Some((0x7f13f4000000, 0x7f13f421a000)),
            ),
            (
                "01a2b000-01c4c000 rw-p 00000000 00:00 0          [heap]",
                Some((0x01a2b000, 0x01c4c000)),
            ),
            (
                "7ffd7a691000-7ffd7a6b2000 rw-p 00000000 00:00 0  [stack]",
                None,
            ),
            (
                "00400000-00c00000 r-xp 00000000 fd:01 123  /usr/bin/curtain",
                None,
            ),
            (
                "7f1400000000-7f1400100000 rw-p 00010000 fd:01 99  /var/db/curtain.db-shm",
                None,
            ),
            ("7f1400000000-7f1400100000 rw-s 00000000 00:01 77 ", None),
            ("7f1400000000-7f1400100000 ---p 00000000 00:00 0 ", None),
            ("not a line", None),
        ] {
            assert_eq!(private_anonymous_range(line), expected, "{line}");
        }
    }
}
