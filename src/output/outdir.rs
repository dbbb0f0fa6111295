//! Writing a set of files into an `--out DIR` folder so that a reader sees the old set or the
//! new one, never a mix, and never a torn file.
//!
//! *The set* of a command is the fixed list of file names it may write (for `run --out`: the
//! event log, the series, every chart that can exist and the report). Those names are ours in
//! DIR; every other entry belongs to the user and is never removed or overwritten.
//!
//! The files are written into a staging folder beside DIR (same parent, so on the same file
//! system, named `.DIR.tmp-XXXXXX`), then moved into place in one step:
//!
//! * DIR does not exist: the staging folder is renamed to DIR.
//! * DIR holds nothing but files of the set (an earlier run's output): the two folders are
//!   exchanged in one atomic `renameat2(RENAME_EXCHANGE)` on Linux (elsewhere, or on a file
//!   system without it, DIR is renamed away and the staging folder put in its place: for an
//!   instant there is no DIR, but never a mix). The old set then goes with the staging folder;
//!   stale files of an earlier run (a traffic chart the new run does not draw) go with it. An
//!   entry of the user's that appeared in DIR meanwhile is moved back.
//! * DIR also holds files of the user's: each file of the new set replaces its namesake by a
//!   rename (atomic per file, so never torn), and files of the set this run did not produce are
//!   removed. A reader during those few renames may see files of both runs.
//!
//! [`OutDir::prepare`] runs before the simulation, so a folder that cannot be written is
//! refused before any work is done. When DIR is a symbolic link, the folder it names is
//! written and the link stays. Concurrent runs into one folder each stage their own files
//! and the last to finish wins.

use std::io;
use std::path::{Path, PathBuf};

use tempfile::TempDir;

/// Why the folder cannot take the files.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to {}: {source}", .dir.display())]
pub struct OutDirError {
    /// The folder given to `--out`.
    pub dir: PathBuf,
    /// What the operating system said.
    pub source: io::Error,
}

/// A folder being written: the files go into [`OutDir::staging`], and [`OutDir::commit`] puts
/// them in place. Dropped without a commit, the staging folder is removed and DIR is untouched.
#[derive(Debug)]
pub struct OutDir {
    dir: PathBuf,
    staging: TempDir,
}

impl OutDir {
    /// Checks that `dir` can be written (creating its parent folders if missing) and creates
    /// the staging folder beside it.
    pub fn prepare(dir: &Path) -> Result<OutDir, OutDirError> {
        let fail = |source| OutDirError {
            dir: dir.to_path_buf(),
            source,
        };
        // A symbolic link to a folder stays a link: the files go to the folder it names.
        let resolved;
        let dir = if std::fs::symlink_metadata(dir).is_ok_and(|m| m.file_type().is_symlink()) {
            resolved = std::fs::canonicalize(dir).map_err(fail)?;
            resolved.as_path()
        } else {
            dir
        };
        let meta = std::fs::metadata(dir);
        if let Ok(m) = &meta
            && !m.is_dir()
        {
            return Err(fail(io::Error::other("it exists and is not a folder")));
        }
        let name = dir
            .file_name()
            .ok_or_else(|| fail(io::Error::other("not a folder name")))?;
        let parent = match dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(fail)?;
        let prefix = format!(".{}.tmp-", name.to_string_lossy());
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        // The staging folder becomes DIR: created as `mkdir` would make it (the umask
        // applies), not with a temporary folder's owner-only mode.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(std::fs::Permissions::from_mode(0o777));
        }
        let staging = builder.tempdir_in(&parent).map_err(fail)?;
        if let Ok(m) = &meta {
            // An existing DIR keeps its mode when the staging folder takes its place.
            std::fs::set_permissions(staging.path(), m.permissions()).map_err(fail)?;
        }
        if meta.is_ok() {
            // Renaming files into DIR needs write access to it: try it now, not after the run.
            tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        }
        Ok(OutDir {
            dir: dir.to_path_buf(),
            staging,
        })
    }

    /// Where to write the files of the set.
    pub fn staging(&self) -> &Path {
        self.staging.path()
    }

    /// Puts the staged files in place; `set` is every name the command may write (see the
    /// module docs).
    pub fn commit(self, set: &[String]) -> Result<(), OutDirError> {
        let fail = |source| OutDirError {
            dir: self.dir.clone(),
            source,
        };
        if !self.dir.exists() {
            match std::fs::rename(self.staging.path(), &self.dir) {
                Ok(()) => {
                    // The staging folder is DIR now: nothing left to remove.
                    let _ = self.staging.keep();
                    return Ok(());
                }
                // Another run created DIR meanwhile: join it below.
                Err(_) if self.dir.is_dir() => {}
                Err(e) => return Err(fail(e)),
            }
        }
        let entries = names_in(&self.dir).map_err(fail)?;
        if entries.iter().all(|n| set.contains(n)) {
            swap(self.staging.path(), &self.dir).map_err(fail)?;
            // The staging path now holds the old set: give back anything that is not ours.
            for n in names_in(self.staging.path()).map_err(fail)? {
                if !set.contains(&n) {
                    let _ = std::fs::rename(self.staging.path().join(&n), self.dir.join(&n));
                }
            }
            return Ok(());
        }
        let produced = names_in(self.staging.path()).map_err(fail)?;
        for n in &produced {
            std::fs::rename(self.staging.path().join(n), self.dir.join(n)).map_err(fail)?;
        }
        for n in set {
            if !produced.contains(n) {
                match std::fs::remove_file(self.dir.join(n)) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(fail(e)),
                    _ => {}
                }
            }
        }
        Ok(())
    }
}

/// The names of a folder's entries, sorted.
fn names_in(dir: &Path) -> io::Result<Vec<String>> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir)? {
        names.push(e?.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

/// Exchanges two folders: `a` takes `b`'s content and `b` takes `a`'s.
fn swap(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use rustix::fs::{CWD, RenameFlags, renameat_with};
        match renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE) {
            Ok(()) => return Ok(()),
            // Not supported by this kernel or file system: fall back below.
            Err(e) if e == rustix::io::Errno::INVAL || e == rustix::io::Errno::NOSYS => {}
            Err(e) => return Err(e.into()),
        }
    }
    // Two renames through a third name beside them: for an instant `b` does not exist.
    let aside = PathBuf::from(format!("{}.old", a.display()));
    std::fs::rename(b, &aside)?;
    if let Err(e) = std::fs::rename(a, b) {
        let _ = std::fs::rename(&aside, b);
        return Err(e);
    }
    std::fs::rename(&aside, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> Vec<String> {
        ["a.txt", "b.txt", "c.txt"].map(String::from).to_vec()
    }

    fn write_set(dir: &Path, files: &[(&str, &str)]) -> Result<(), OutDirError> {
        let out = OutDir::prepare(dir)?;
        for (n, text) in files {
            std::fs::write(out.staging().join(n), text).unwrap();
        }
        out.commit(&set())
    }

    fn read(dir: &Path) -> Vec<(String, String)> {
        names_in(dir)
            .unwrap()
            .into_iter()
            .map(|n| {
                let t = std::fs::read_to_string(dir.join(&n)).unwrap_or_default();
                (n, t)
            })
            .collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn a_new_folder_gets_the_set_and_no_staging_is_left() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_set(&dir, &[("a.txt", "1"), ("b.txt", "1")]).unwrap();
        assert_eq!(read(&dir), pairs(&[("a.txt", "1"), ("b.txt", "1")]));
        assert_eq!(names_in(tmp.path()).unwrap(), vec!["out".to_string()]);
    }

    #[test]
    fn an_earlier_set_is_replaced_whole_and_stale_files_go() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_set(&dir, &[("a.txt", "1"), ("b.txt", "1"), ("c.txt", "1")]).unwrap();
        write_set(&dir, &[("a.txt", "2"), ("b.txt", "2")]).unwrap();
        assert_eq!(read(&dir), pairs(&[("a.txt", "2"), ("b.txt", "2")]));
        assert_eq!(names_in(tmp.path()).unwrap(), vec!["out".to_string()]);
    }

    #[test]
    fn files_of_the_user_stay() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        write_set(&dir, &[("a.txt", "1"), ("c.txt", "1")]).unwrap();
        std::fs::write(dir.join("notes.md"), "mine").unwrap();
        write_set(&dir, &[("a.txt", "2"), ("b.txt", "2")]).unwrap();
        assert_eq!(
            read(&dir),
            pairs(&[("a.txt", "2"), ("b.txt", "2"), ("notes.md", "mine")])
        );
        assert_eq!(names_in(tmp.path()).unwrap(), vec!["out".to_string()]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_to_a_folder_stays_a_link() {
        let tmp = tempfile::tempdir().unwrap();
        let real = tmp.path().join("real");
        std::fs::create_dir(&real).unwrap();
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_set(&link, &[("a.txt", "1")]).unwrap();
        write_set(&link, &[("a.txt", "2")]).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(read(&real), pairs(&[("a.txt", "2")]));
    }

    #[test]
    fn a_file_in_the_way_is_refused_before_anything_is_written() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        std::fs::write(&dir, "a file").unwrap();
        let e = OutDir::prepare(&dir).unwrap_err();
        assert_eq!(e.dir, dir);
        assert_eq!(names_in(tmp.path()).unwrap(), vec!["out".to_string()]);
    }

    #[test]
    fn an_uncommitted_folder_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("out");
        let out = OutDir::prepare(&dir).unwrap();
        std::fs::write(out.staging().join("a.txt"), "x").unwrap();
        drop(out);
        assert!(names_in(tmp.path()).unwrap().is_empty());
    }
}
