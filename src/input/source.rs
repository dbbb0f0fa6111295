//! Where input text comes from: files, folders and standard input, as `kubectl apply -f` takes
//! them. A folder is searched recursively for `*.yaml` / `*.yml` (sorted, so the same folder
//! always gives the same order); `-` is standard input, named `<stdin>` in diagnostics. Only
//! regular files are read: a FIFO or a device (`/dev/zero`, `/dev/urandom`) would block or never
//! end, so it is refused by name. Every read stops at the size limit, so an endless stream is
//! cut off rather than slurped.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::yaml::{MAX_INPUT_BYTES, text_from_bytes};
use super::{DiagKind, Diagnostic, Diagnostics, FieldPath, InputError};

/// The name standard input goes by in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// One input read into memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// How diagnostics name it: the path as given (or found in a folder), or `<stdin>`.
    pub display: String,
    /// The file it came from; relative paths inside a scenario are resolved from its folder.
    /// Standard input has none (its relative paths are resolved from the current folder).
    pub path: Option<PathBuf>,
    /// The whole content, checked to be UTF-8 and within the input size limit.
    pub text: String,
    /// Found by searching a folder rather than named: a companion file there that is neither a
    /// manifest nor a scenario (`kustomization.yaml`, Helm `values.yaml`) is skipped, while a
    /// file named on its own must be what it is given as.
    pub in_folder: bool,
}

impl Source {
    /// The path relative names inside it are resolved against (`<stdin>` resolves from `.`).
    pub fn base_path(&self) -> PathBuf {
        self.path
            .clone()
            .unwrap_or_else(|| PathBuf::from(STDIN_NAME))
    }
}

fn io_error(display: &str, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::error(display, None, &FieldPath::root(), DiagKind::Io, msg)
}

/// Reads at most the size limit from `reader`; one byte more means the input is too large.
pub fn read_limited(reader: impl Read, display: &str) -> Result<String, Diagnostic> {
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_error(display, format!("cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(Diagnostic::error(
            display,
            None,
            &FieldPath::root(),
            DiagKind::TooLarge,
            format!(
                "more than {} MiB: inputs are limited to {} MiB",
                MAX_INPUT_BYTES / (1024 * 1024),
                MAX_INPUT_BYTES / (1024 * 1024)
            ),
        ));
    }
    text_from_bytes(display, bytes)
}

/// What a path that is not a regular file or folder is, in words.
fn special_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
        if ft.is_socket() {
            return "a socket";
        }
    }
    let _ = ft;
    "not a regular file"
}

/// Reads one regular file, refusing anything else before opening it (opening a FIFO would
/// block), and stopping at the size limit while reading.
pub fn read_file(path: &Path, display: &str) -> Result<String, Diagnostic> {
    let meta =
        std::fs::metadata(path).map_err(|e| io_error(display, format!("cannot read: {e}")))?;
    if meta.is_dir() {
        return Err(io_error(display, "is a directory, not a file"));
    }
    if !meta.is_file() {
        return Err(io_error(
            display,
            format!(
                "is {}: only regular files are read (use `-` to read standard input)",
                special_kind(&meta.file_type())
            ),
        ));
    }
    let file =
        std::fs::File::open(path).map_err(|e| io_error(display, format!("cannot read: {e}")))?;
    read_limited(file, display)
}

/// The `*.yaml` / `*.yml` files under a folder, recursively, sorted by path.
pub fn yaml_files_under(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, &mut out)?;
    out.sort();
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads every input named on the command line, in order: files as given, folders expanded,
/// `-` from standard input (at most once). All problems are reported together.
pub fn gather(args: &[PathBuf]) -> Result<Vec<Source>, InputError> {
    gather_with_stdin(args, std::io::stdin().lock())
}

/// [`gather`] with standard input given explicitly (tests pass bytes).
pub fn gather_with_stdin(args: &[PathBuf], stdin: impl Read) -> Result<Vec<Source>, InputError> {
    let mut diags = Diagnostics::default();
    let mut out = Vec::new();
    let mut stdin = Some(stdin);
    // A file named twice (say by itself and through its folder) is read once, as applying the
    // same manifest twice changes nothing.
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut first_time = |p: &Path| {
        let key = std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        if seen.contains(&key) {
            false
        } else {
            seen.push(key);
            true
        }
    };
    for arg in args {
        let display = arg.to_string_lossy().to_string();
        if display == "-" {
            match stdin.take() {
                Some(r) => match read_limited(r, STDIN_NAME) {
                    Ok(text) => out.push(Source {
                        display: STDIN_NAME.to_string(),
                        path: None,
                        text,
                        in_folder: false,
                    }),
                    Err(d) => diags.push(d),
                },
                None => diags.push(io_error(
                    STDIN_NAME,
                    "`-` is given twice: standard input is read once",
                )),
            }
            continue;
        }
        if arg.is_dir() {
            match yaml_files_under(arg) {
                Ok(files) if files.is_empty() => diags.push(io_error(
                    &display,
                    "is a directory with no *.yaml or *.yml file in it",
                )),
                Ok(files) => {
                    for f in files.into_iter().filter(|f| first_time(f)) {
                        let d = f.to_string_lossy().to_string();
                        match read_file(&f, &d) {
                            Ok(text) => out.push(Source {
                                display: d,
                                path: Some(f),
                                text,
                                in_folder: true,
                            }),
                            Err(e) => diags.push(e),
                        }
                    }
                }
                Err(e) => diags.push(io_error(&display, format!("cannot read the folder: {e}"))),
            }
            continue;
        }
        if !first_time(arg) {
            continue;
        }
        match read_file(arg, &display) {
            Ok(text) => out.push(Source {
                display,
                path: Some(arg.clone()),
                text,
                in_folder: false,
            }),
            Err(e) => diags.push(e),
        }
    }
    if diags.has_errors() {
        Err(InputError(diags))
    } else {
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_is_named_and_read_once() {
        let args = [PathBuf::from("-")];
        let got = gather_with_stdin(&args, &b"kind: Service\n"[..]).expect("reads");
        assert_eq!(got[0].display, STDIN_NAME);
        assert_eq!(got[0].text, "kind: Service\n");
        let twice = [PathBuf::from("-"), PathBuf::from("-")];
        let err = gather_with_stdin(&twice, &b""[..]).expect_err("refused");
        assert_eq!(err.kinds(), vec![DiagKind::Io]);
    }

    #[test]
    fn folders_are_sorted_and_a_file_is_read_once() {
        let dir = tempfile::TempDir::new().unwrap();
        for name in ["b.yaml", "a.yml", "c.txt", "sub/0.yaml"] {
            let p = dir.path().join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, name).unwrap();
        }
        let args = [dir.path().join("b.yaml"), dir.path().to_path_buf()];
        let got = gather_with_stdin(&args, &b""[..]).expect("reads");
        let texts: Vec<&str> = got.iter().map(|s| s.text.as_str()).collect();
        // b.yaml as given, then the folder in path order without b.yaml again or c.txt.
        assert_eq!(texts, ["b.yaml", "a.yml", "sub/0.yaml"]);
    }

    #[test]
    fn an_endless_stream_stops_at_the_limit() {
        // An endless reader: a slurping read would never return.
        let endless = std::io::repeat(b'a');
        let err = read_limited(endless, STDIN_NAME).expect_err("too large");
        assert_eq!(err.kind, DiagKind::TooLarge);
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_refused_by_name() {
        let err = read_file(Path::new("/dev/zero"), "/dev/zero").expect_err("refused");
        assert_eq!(err.kind, DiagKind::Io);
        assert!(err.message.contains("character device"), "{}", err.message);
    }
}
