//! File modes of what the portal writes (issue 19): the database, the
//! mail hand-over mark and backups are created readable by the owner only
//! (0600), also outside the packaged unit's `UMask=0077`; a wider mode
//! found on an existing file is logged, and `mail.key` with one is refused.

use std::io;
use std::path::Path;

/// The group and other permission bits of `path` (0 when none, or when the
/// platform has no such modes).
pub fn wide_bits(path: &Path) -> io::Result<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(0)
    }
}

/// Restricts `path` to its owner (mode 0600).
pub fn owner_only(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(())
    }
}

/// Logs a warning when `path` can be read or written by group or others.
pub fn warn_if_wide(path: &Path) {
    if let Ok(bits) = wide_bits(path)
        && bits != 0
    {
        tracing::warn!(
            path = %path.display(),
            mode = format!("{:o}", 0o600 | bits),
            "file is accessible to group or others; chmod 600 recommended"
        );
    }
}
