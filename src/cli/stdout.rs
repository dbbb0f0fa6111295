//! Standard output of every command, with the end of a pipe handled once for the whole CLI.
//!
//! `rollout-sim run X --traffic | head -1` closes the pipe after one line. Rust's own
//! `println!` panics on the next write (exit 101 and a panic message); a command-line tool
//! should do what `grep` or `cat` do: stop quietly, the part that was read having been
//! delivered. Every write to standard output in `cli` goes through [`print`] (the `print!` and
//! `println!` of this module tree are redefined in `cli/mod.rs` to call it) or through the
//! writer of [`lock`]; a broken pipe ends the process with exit code 0, any other write error
//! (a full disk behind a redirection) with a message and exit code 2. Messages on standard
//! error (`eprint!`, `eprintln!`, also redefined) never fail: a closed stderr silences them
//! and the exit code is kept.

use std::fmt;
use std::io::{self, Write};

use super::exit::EXIT_INVALID;

/// Ends the process for a write error on standard output.
fn fail(e: io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        // The reader has gone: what it wanted it has read.
        std::process::exit(0);
    }
    eprint(format_args!(
        "error: cannot write to standard output: {e}\n"
    ));
    std::process::exit(EXIT_INVALID);
}

/// Writes formatted text to standard output (what `print!` and `println!` expand to in `cli`).
pub(super) fn print(args: fmt::Arguments<'_>) {
    if let Err(e) = io::stdout().lock().write_fmt(args) {
        fail(e);
    }
}

/// Writes formatted text to standard error, ignoring failures (what `eprint!` and `eprintln!`
/// expand to in `cli`): with stderr gone there is nobody to tell, and the exit code still
/// carries the outcome.
pub(super) fn eprint(args: fmt::Arguments<'_>) {
    // Stderr is unbuffered: formatted piece by piece, a diagnostic would cost a dozen system
    // calls (30,000 of them take seconds); formatted first, it costs one.
    let _ = io::stderr().lock().write_all(fmt::format(args).as_bytes());
}

/// Flushes standard output; called once when a command is done, so that the last line without
/// a newline meets the same rule as the others.
pub(super) fn flush() {
    if let Err(e) = io::stdout().lock().flush() {
        fail(e);
    }
}

/// Standard output, locked, for commands that draw frames (`watch`): writes that fail end the
/// process as above, so callers need not check them.
pub(super) struct Out(io::StdoutLock<'static>);

pub(super) fn lock() -> Out {
    Out(io::stdout().lock())
}

impl Write for Out {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).or_else(|e| fail(e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush().or_else(|e| fail(e))
    }
}
