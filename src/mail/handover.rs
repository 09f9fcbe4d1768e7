//! The hand-over mark: which mail attempt was about to leave when the
//! process died.
//!
//! SMTP gives no way to ask a server afterwards whether it took a message,
//! so a crash between the server's acceptance and the queue's "sent" record
//! would send the mail again on restart. The worker therefore writes this
//! mark right before the message's end-of-data marker goes out (until that
//! marker arrives, a server discards the message with the dropped
//! connection). After a restart, a mark naming an attempt whose outcome the
//! queue does not hold means: the server may have the message, do not send
//! it again.
//!
//! The mark is a plain `write` into a file that is kept open, without
//! `fsync`: after a SIGKILL the kernel still holds what was written, so the
//! window in which a kill loses a mail is the few microseconds between this
//! write and the marker's. An `fsync` (as a store commit needs) would widen
//! that window to milliseconds, since the data counts once written. After a
//! power loss the mark may be missing, and the mail goes out again:
//! at-least-once is the safe direction there.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The file in the data directory.
pub const FILE: &str = "mail-handover";

/// One attempt: the mail and the number of attempts recorded before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    pub mail: u64,
    pub attempts_before: u32,
}

/// The open mark file.
pub struct HandoverMark {
    file: File,
}

impl HandoverMark {
    /// Opens (or creates) the mark file and reads the mark a previous
    /// process left.
    pub fn open(data_dir: &Path) -> io::Result<(Self, Option<Attempt>)> {
        let path = data_dir.join(FILE);
        let mut options = File::options();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        crate::modes::warn_if_wide(&path);
        let mut bytes = [0u8; 16];
        let left = match file.read_exact_at(&mut bytes, 0) {
            Ok(()) => decode(&bytes),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => None,
            Err(e) => return Err(e),
        };
        Ok((Self { file }, left))
    }

    /// Marks `attempt` as handed over (one `pwrite`, no `fsync`).
    pub fn mark(&self, attempt: Attempt) -> io::Result<()> {
        self.file.write_all_at(&encode(attempt), 0)
    }
}

/// Mail id, attempts before, and a check word, so a torn or foreign file
/// reads as no mark.
fn encode(a: Attempt) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[..8].copy_from_slice(&a.mail.to_le_bytes());
    out[8..12].copy_from_slice(&a.attempts_before.to_le_bytes());
    out[12..].copy_from_slice(&check(a).to_le_bytes());
    out
}

fn decode(bytes: &[u8; 16]) -> Option<Attempt> {
    let mut mail = [0u8; 8];
    let mut attempts = [0u8; 4];
    let mut sum = [0u8; 4];
    mail.copy_from_slice(&bytes[..8]);
    attempts.copy_from_slice(&bytes[8..12]);
    sum.copy_from_slice(&bytes[12..]);
    let a = Attempt {
        mail: u64::from_le_bytes(mail),
        attempts_before: u32::from_le_bytes(attempts),
    };
    (check(a) == u32::from_le_bytes(sum)).then_some(a)
}

fn check(a: Attempt) -> u32 {
    // Any mixing that a torn write cannot satisfy by accident will do.
    let x = a.mail ^ (u64::from(a.attempts_before) << 40) ^ 0x6d76_6d61_696c_6d6b;
    let x = x.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (x >> 32) as u32 ^ x as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_survives_reopening_and_a_torn_one_reads_as_none() {
        let dir = tempfile::tempdir().unwrap();
        let (mark, left) = HandoverMark::open(dir.path()).unwrap();
        assert_eq!(left, None);
        let attempt = Attempt {
            mail: 42,
            attempts_before: 3,
        };
        mark.mark(attempt).unwrap();
        drop(mark);
        let (mark, left) = HandoverMark::open(dir.path()).unwrap();
        assert_eq!(left, Some(attempt));
        mark.file.write_all_at(&[0xff], 13).unwrap();
        drop(mark);
        assert_eq!(HandoverMark::open(dir.path()).unwrap().1, None);
    }
}
