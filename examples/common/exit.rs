//! How the examples end: an error printed as its message (`error: ...`, not Rust's Debug
//! form) with exit status 1; output cut short by its reader (`| head`) is no error.

use std::process::ExitCode;

/// Exit status 0 for `Ok` and for a broken pipe; for any other error, its message on stderr
/// and status 1.
pub fn report(result: Result<(), Box<dyn std::error::Error>>) -> ExitCode {
    match result {
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
