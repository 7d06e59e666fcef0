//! How the examples end: an error printed as its message (`error: ...`, not Rust's Debug
//! form) with exit status 1; output cut short by its reader (`| head`) is no error.

use std::process::ExitCode;

/// Runs `run` and reports how it ended: exit status 0 for `Ok` and for a broken pipe (an
/// error returned, or `println!`'s panic when the reader went away: `evaluate --json | head`);
/// for any other error, its message on stderr and status 1.
pub fn report(run: impl FnOnce() -> Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    quit_quietly_on_broken_pipe();
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err)
            if err
                .downcast_ref::<std::io::Error>()
                .map(std::io::Error::kind)
                == Some(std::io::ErrorKind::BrokenPipe) =>
        {
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Makes the panic `println!` raises when stdout's reader has gone (`| head`) end the process
/// with status 0 and no message, as a Unix tool ends on a closed pipe; other panics are
/// reported as before.
pub fn quit_quietly_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = (info.payload().downcast_ref::<String>().map(String::as_str))
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}
