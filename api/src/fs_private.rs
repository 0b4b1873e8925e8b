//! Files that hold secrets or customer data (the SQLite database, the token-signing key) and the
//! folder they live in are created readable by the owner only.

use std::path::Path;

/// Creates `dir` (and missing parents) with mode `0700`; an existing folder is left as it is.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Makes sure `file` exists with mode `0600`: creates it so, or tightens an existing file that
/// others could read (with a warning).
pub fn create_file(file: &Path) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(file)?;
    #[cfg(unix)]
    if exposed(file)? {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
        tracing::warn!(path = %file.display(), "the database file was readable by others; set it to 0600");
    }
    Ok(())
}

/// Whether group or others may read or write `file`.
pub fn exposed(file: &Path) -> std::io::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(file)?.permissions().mode() & 0o077 != 0)
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        Ok(false)
    }
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn data_folders_and_files_are_private() {
        let base = std::env::temp_dir().join(format!("kaidan-fs-{}", uuid::Uuid::now_v7()));
        let dir = base.join("data");
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let db = dir.join("kaidan.db");
        create_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(exposed(&db).unwrap());
        create_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600, "an exposed database file is tightened");
        std::fs::remove_dir_all(base).ok();
    }
}
