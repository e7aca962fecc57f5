//! Running a client program (ldapsearch, python …) with a deadline and captured output.
//!
//! A hung client must fail its test, not hang the suite, so every run is bounded; the output
//! is read on helper threads so a chatty program cannot block on a full pipe.

use std::fmt;
use std::io::Read;
use std::os::unix::process::CommandExt as _;
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, anyhow, bail};

/// What a finished program printed and how it exited.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, for messages.
    pub command: String,
    /// How the program exited.
    pub status: ExitStatus,
    /// Everything written to stdout (lossily decoded as UTF-8).
    pub stdout: String,
    /// Everything written to stderr (lossily decoded as UTF-8).
    pub stderr: String,
}

impl Output {
    /// The exit code; `None` when the program was killed by a signal.
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Whether the program exited with code 0.
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// `Ok(self)` if the program exited with code 0, otherwise an error showing everything.
    ///
    /// # Errors
    /// When the exit code is not 0.
    pub fn ok(self) -> Result<Self> {
        if self.success() {
            Ok(self)
        } else {
            bail!("command failed: {self}")
        }
    }
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` exited with {}\n--- stdout ---\n{}\n--- stderr ---\n{}\n--- end ---",
            self.command, self.status, self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` with stdin closed, capturing stdout and stderr; kills it after `timeout`.
///
/// # Errors
/// When the program cannot be started or does not finish within `timeout` (the error then
/// includes what it printed so far).
pub fn run(cmd: &mut Command, timeout: Duration) -> Result<Output> {
    let command = describe(cmd);
    // Its own process group, so that a timeout kills the program's children too (they
    // would otherwise keep the output pipes open).
    let mut child = cmd
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting `{command}`"))?;
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for the program")? {
            break Some(status);
        }
        if started.elapsed() > timeout {
            // Already exited, or killed now: either way the pipes close and the readers end.
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(10));
    };
    let join = |handle: Option<thread::JoinHandle<String>>| -> String {
        handle
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| String::from("<reader thread panicked>"))
            })
            .unwrap_or_default()
    };
    let stdout = join(stdout);
    let stderr = join(stderr);
    let status = status.ok_or_else(|| {
        anyhow!(
            "`{command}` did not finish within {timeout:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        )
    })?;
    Ok(Output {
        command,
        status,
        stdout,
        stderr,
    })
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        // A read error ends the capture; what was read so far is still useful.
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn describe(cmd: &Command) -> String {
    let mut text = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        text.push(' ');
        let arg = arg.to_string_lossy();
        if arg.is_empty() || arg.contains([' ', '(', ')', '*', '&', '|', '!']) {
            text.push('\'');
            text.push_str(&arg);
            text.push('\'');
        } else {
            text.push_str(&arg);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_output_and_exit_code() -> Result<()> {
        let out = run(
            Command::new("/bin/sh").args(["-c", "echo out; echo err >&2; exit 6"]),
            Duration::from_secs(60),
        )?;
        assert_eq!(out.code(), Some(6));
        assert_eq!(out.stdout, "out\n");
        assert_eq!(out.stderr, "err\n");
        assert!(out.clone().ok().is_err());
        assert!(out.to_string().contains("/bin/sh -c"), "{out}");
        Ok(())
    }

    #[test]
    fn large_output_does_not_block() -> Result<()> {
        let out = run(
            Command::new("/bin/sh").args(["-c", "head -c 1000000 /dev/zero | tr '\\0' x"]),
            Duration::from_secs(60),
        )?
        .ok()?;
        assert_eq!(out.stdout.len(), 1_000_000);
        Ok(())
    }

    #[test]
    fn a_hung_program_is_killed() {
        let result = run(
            Command::new("/bin/sh").args(["-c", "echo started; sleep 600; echo never"]),
            Duration::from_millis(300),
        );
        let err = result.err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(err.contains("did not finish"), "{err}");
        assert!(err.contains("started"), "{err}");
    }
}
