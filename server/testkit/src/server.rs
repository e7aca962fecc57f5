//! Spawning one `orgdir serve --demo` process, waiting until it is ready, and tearing it down.
//!
//! Readiness is signalled by the server itself (the ready file), never guessed with sleeps:
//! the only waiting here is bounded polling of that file while checking that the child is
//! still alive.

use std::ffi::{OsStr, OsString};
use std::fs::{self, File};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;

/// How long [`Server::start`] waits for the ready file by default. Generous on purpose: the
/// demo enterprise hashes 50 passwords on first start, and CI machines are small and busy.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(90);

/// How often the ready file is polled.
const POLL_INTERVAL: Duration = Duration::from_millis(25);

/// How long [`Drop`] waits for the killed process to be reaped.
const REAP_TIMEOUT: Duration = Duration::from_secs(30);

/// How to start a [`Server`]. Built with [`Options::new`] and the chained setters.
#[derive(Debug, Clone)]
pub struct Options {
    env: Vec<(OsString, OsString)>,
    args: Vec<OsString>,
    demo: bool,
    ready_timeout: Duration,
    data_dir: Option<PathBuf>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            env: Vec::new(),
            args: Vec::new(),
            data_dir: None,
            demo: true,
            ready_timeout: DEFAULT_READY_TIMEOUT,
        }
    }
}

impl Options {
    /// The defaults: demo data, loopback listeners on port 0, log level `warn`.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Serves an existing data directory (e.g. one made with `orgdir init`) instead of a fresh
    /// one in the server's temporary directory. The caller keeps it alive.
    #[must_use]
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Sets an environment variable for the server process, e.g.
    /// `ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD`. Later calls override earlier ones and the
    /// testkit's own defaults (listen addresses, log level).
    #[must_use]
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Appends an extra command-line argument after the testkit's `serve …` arguments.
    #[must_use]
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    /// Whether to pass `--demo` (default: yes).
    #[must_use]
    pub fn demo(mut self, demo: bool) -> Self {
        self.demo = demo;
        self
    }

    /// How long to wait for the ready file before giving up (default 90 s).
    #[must_use]
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }
}

/// The ready file the server writes once every listener is bound and its data is loaded.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Ready {
    /// Plain LDAP (and StartTLS) listener.
    pub ldap: SocketAddr,
    /// LDAPS listener.
    pub ldaps: SocketAddr,
    /// HTTP listener (admin panel and API).
    pub http: SocketAddr,
    /// HTTPS listener, when `http.tls_listen` is set.
    #[serde(default)]
    pub https: Option<SocketAddr>,
    /// Absolute path of the PEM file of the CA that signed the server's certificate.
    pub ca_cert: PathBuf,
}

impl Ready {
    /// Parses the ready file's JSON text.
    ///
    /// # Errors
    /// When the text is not the JSON object described in the crate docs.
    pub fn parse(text: &str) -> Result<Self> {
        serde_json::from_str(text).context("ready file is not the expected JSON object")
    }
}

/// A running `orgdir` server with its own temporary data directory.
///
/// Dropping it kills the process, reaps it and deletes the directory; if the current thread
/// is panicking (a failing test), the server's output is printed first.
#[derive(Debug)]
pub struct Server {
    child: Mutex<Child>,
    ready: Ready,
    data_dir: PathBuf,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
    // Declared last: dropped after the process is gone.
    root: tempfile::TempDir,
}

impl Server {
    /// Starts `bin serve --demo --data-dir <tmp>/data --ready-file <tmp>/ready.json` and waits
    /// until it is ready.
    ///
    /// The process gets `ORGDIR_LDAP_LISTEN`, `ORGDIR_LDAP_LDAPS_LISTEN` and
    /// `ORGDIR_HTTP_LISTEN` = `127.0.0.1:0` and `ORGDIR_LOG_LEVEL=warn`, then the variables
    /// from `opts`; inherited `ORGDIR_*` variables are removed so the developer's environment
    /// cannot change the outcome. Its working directory is the temporary directory.
    ///
    /// # Errors
    /// When the process cannot be spawned, exits before it is ready (the error includes its
    /// output), or is not ready within the timeout (it is then killed).
    pub fn start(bin: &Path, opts: Options) -> Result<Self> {
        let root = tempfile::Builder::new()
            .prefix("orgdir-test-")
            .tempdir()
            .context("creating the server's temporary directory")?;
        let data_dir = match &opts.data_dir {
            Some(dir) => dir.clone(),
            None => {
                let dir = root.path().join("data");
                fs::create_dir(&dir).context("creating the data directory")?;
                dir
            }
        };
        let ready_path = root.path().join("ready.json");
        let stdout_path = root.path().join("server.stdout");
        let stderr_path = root.path().join("server.stderr");

        let mut cmd = Command::new(bin);
        cmd.arg("serve");
        if opts.demo {
            cmd.arg("--demo");
        }
        cmd.arg("--data-dir")
            .arg(&data_dir)
            .arg("--ready-file")
            .arg(&ready_path)
            .args(&opts.args)
            .current_dir(root.path())
            .stdin(Stdio::null())
            .stdout(File::create(&stdout_path).context("creating the stdout log")?)
            .stderr(File::create(&stderr_path).context("creating the stderr log")?);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ORGDIR_") {
                cmd.env_remove(&key);
            }
        }
        cmd.env("ORGDIR_LDAP_LISTEN", "127.0.0.1:0")
            .env("ORGDIR_LDAP_LDAPS_LISTEN", "127.0.0.1:0")
            .env("ORGDIR_HTTP_LISTEN", "127.0.0.1:0")
            .env("ORGDIR_LOG_LEVEL", "warn");
        for (key, value) in &opts.env {
            cmd.env(key, value);
        }

        let child = spawn(&mut cmd).with_context(|| format!("spawning {}", bin.display()))?;
        let mut server = Self {
            child: Mutex::new(child),
            ready: Ready {
                ldap: SocketAddr::from(([127, 0, 0, 1], 0)),
                ldaps: SocketAddr::from(([127, 0, 0, 1], 0)),
                http: SocketAddr::from(([127, 0, 0, 1], 0)),
                https: None,
                ca_cert: PathBuf::new(),
            },
            data_dir,
            stdout_path,
            stderr_path,
            root,
        };
        // On error `server` is dropped here, which kills and reaps the child.
        server.ready = server.wait_ready(&ready_path, opts.ready_timeout)?;
        Ok(server)
    }

    fn wait_ready(&self, ready_path: &Path, timeout: Duration) -> Result<Ready> {
        let started = Instant::now();
        loop {
            if let Some(status) = self.exit_status()? {
                bail!(
                    "orgdir exited before it was ready ({status})\n{}",
                    self.logs()
                );
            }
            // The server writes the file atomically, but tolerate a torn read anyway: an
            // unparsable file is retried until the deadline.
            let mut last_error = None;
            match fs::read_to_string(ready_path) {
                Ok(text) => match Ready::parse(&text) {
                    Ok(ready) => {
                        if !ready.ca_cert.is_file() {
                            bail!(
                                "ready file names CA certificate {} which is not a file\n{}",
                                ready.ca_cert.display(),
                                self.logs()
                            );
                        }
                        return Ok(ready);
                    }
                    Err(err) => last_error = Some(format!("{err:#}: {text:?}")),
                },
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => last_error = Some(err.to_string()),
            }
            if started.elapsed() > timeout {
                bail!(
                    "orgdir was not ready within {timeout:?} (last problem: {})\n{}",
                    last_error.as_deref().unwrap_or("no ready file"),
                    self.logs()
                );
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Everything the server parsed from its ready file.
    pub fn ready(&self) -> &Ready {
        &self.ready
    }

    /// `ldap://127.0.0.1:PORT` of the plain LDAP listener.
    pub fn ldap_url(&self) -> String {
        format!("ldap://{}", self.ready.ldap)
    }

    /// `ldaps://127.0.0.1:PORT` of the LDAPS listener.
    pub fn ldaps_url(&self) -> String {
        format!("ldaps://{}", self.ready.ldaps)
    }

    /// Address of the plain LDAP listener.
    pub fn ldap_addr(&self) -> SocketAddr {
        self.ready.ldap
    }

    /// Address of the LDAPS listener.
    pub fn ldaps_addr(&self) -> SocketAddr {
        self.ready.ldaps
    }

    /// Address of the HTTP listener.
    pub fn http_addr(&self) -> SocketAddr {
        self.ready.http
    }

    /// `http://127.0.0.1:PORT`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.ready.http)
    }

    /// PEM file of the CA to trust for StartTLS and LDAPS.
    pub fn ca_cert(&self) -> &Path {
        &self.ready.ca_cert
    }

    /// The server's data directory (inside the temporary directory).
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Environment for OpenLDAP client tools (ldapsearch …): trust exactly this server's CA,
    /// demand a valid certificate, and read neither `/etc/ldap/ldap.conf` nor `~/.ldaprc`.
    ///
    /// Not `LDAPNOINIT=1`: that also makes libldap ignore every `LDAP*` variable, including
    /// `LDAPTLS_CACERT`, so certificate checks would fail. Callers should also remove an
    /// inherited `LDAPNOINIT` and run the tool in a directory without an `ldaprc`.
    pub fn openldap_env(&self) -> Vec<(&'static str, OsString)> {
        vec![
            (
                "LDAPTLS_CACERT",
                self.ready.ca_cert.clone().into_os_string(),
            ),
            ("LDAPTLS_REQCERT", OsString::from("demand")),
            ("LDAPCONF", OsString::from("/dev/null")),
            ("LDAPRC", OsString::from("orgdir-testkit-no-such-ldaprc")),
        ]
    }

    /// The process's exit status if it has exited (it should not, while a test runs).
    ///
    /// # Errors
    /// When the status cannot be queried.
    pub fn exit_status(&self) -> Result<Option<ExitStatus>> {
        let mut child = self.child.lock().unwrap_or_else(PoisonError::into_inner);
        child.try_wait().context("querying the orgdir process")
    }

    /// The server's stdout and stderr so far, labelled, for failure messages.
    pub fn logs(&self) -> String {
        let read = |path: &Path| {
            fs::read_to_string(path).unwrap_or_else(|err| format!("<cannot read: {err}>"))
        };
        format!(
            "--- orgdir stderr ({}) ---\n{}\n--- orgdir stdout ---\n{}\n--- end of orgdir output ---",
            self.stderr_path.display(),
            read(&self.stderr_path),
            read(&self.stdout_path)
        )
    }

    /// Prints [`Server::logs`] to stderr (captured by the test harness and shown on failure).
    pub fn print_logs(&self) {
        eprintln!("{}", self.logs());
    }

    /// The temporary directory holding the data directory, ready file and logs.
    pub fn root_dir(&self) -> &Path {
        self.root.path()
    }
}

/// Spawns `cmd`, retrying a few times on `ETXTBSY`: a test that has just written an
/// executable can race with another thread's fork holding the file open for writing.
fn spawn(cmd: &mut Command) -> std::io::Result<Child> {
    const ETXTBSY: i32 = 26;
    let mut attempts = 0;
    loop {
        match cmd.spawn() {
            Err(err) if err.raw_os_error() == Some(ETXTBSY) && attempts < 50 => {
                attempts += 1;
                thread::sleep(POLL_INTERVAL);
            }
            other => return other,
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if thread::panicking() {
            self.print_logs();
        }
        let child = self.child.get_mut().unwrap_or_else(PoisonError::into_inner);
        // Errors mean the process is already gone; there is nothing better to do in drop.
        let _ = child.kill();
        let deadline = Instant::now() + REAP_TIMEOUT;
        while Instant::now() < deadline {
            match child.try_wait() {
                Ok(Some(_)) | Err(_) => return,
                Ok(None) => thread::sleep(POLL_INTERVAL),
            }
        }
        eprintln!(
            "orgdir (pid {}) did not exit within {REAP_TIMEOUT:?} of SIGKILL",
            child.id()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_ready_file_contract() -> Result<()> {
        let ready = Ready::parse(
            r#"{"ldap": "127.0.0.1:41234", "ldaps": "127.0.0.1:41235",
                "http": "127.0.0.1:41236", "ca_cert": "/abs/path/to/data/tls/ca.pem",
                "future_field": true}"#,
        )?;
        assert_eq!(ready.ldap, SocketAddr::from(([127, 0, 0, 1], 41234)));
        assert_eq!(ready.ldaps.port(), 41235);
        assert_eq!(ready.http.port(), 41236);
        assert_eq!(ready.ca_cert, Path::new("/abs/path/to/data/tls/ca.pem"));
        assert_eq!(ready.https, None);
        let with_https = Ready::parse(
            r#"{"ldap": "127.0.0.1:1", "ldaps": "127.0.0.1:2", "http": "127.0.0.1:3",
                "https": "127.0.0.1:4", "ca_cert": "/ca.pem"}"#,
        )?;
        assert_eq!(with_https.https.map(|a| a.port()), Some(4));
        Ok(())
    }

    #[test]
    fn rejects_a_torn_ready_file() {
        assert!(Ready::parse(r#"{"ldap": "127.0.0.1:41234", "ld"#).is_err());
        assert!(Ready::parse("").is_err());
    }

    #[test]
    fn a_process_that_exits_early_is_reported_with_its_output() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let fake = dir.path().join("fake-orgdir");
        fs::write(&fake, "#!/bin/sh\necho 'boom: no config' >&2\nexit 3\n")?;
        make_executable(&fake)?;
        let Err(err) = Server::start(&fake, Options::new()) else {
            bail!("a process that exited was reported ready");
        };
        let text = format!("{err:#}");
        assert!(text.contains("exited before it was ready"), "{text}");
        assert!(text.contains("boom: no config"), "{text}");
        Ok(())
    }

    #[test]
    fn a_process_that_never_gets_ready_is_killed_after_the_timeout() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let fake = dir.path().join("fake-orgdir");
        fs::write(&fake, "#!/bin/sh\nexec sleep 600\n")?;
        make_executable(&fake)?;
        let started = Instant::now();
        let result = Server::start(&fake, Options::new().ready_timeout(Duration::from_secs(1)));
        let Err(err) = result else {
            bail!("a server without a ready file was reported ready");
        };
        assert!(
            format!("{err:#}").contains("was not ready within"),
            "{err:#}"
        );
        assert!(started.elapsed() < Duration::from_secs(60));
        Ok(())
    }

    #[test]
    fn a_fake_server_that_writes_the_ready_file_is_started_and_killed() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let fake = dir.path().join("fake-orgdir");
        // Arguments: serve --demo --data-dir D --ready-file F
        fs::write(
            &fake,
            "#!/bin/sh\n\
             [ \"$1 $2 $3\" = \"serve --demo --data-dir\" ] || exit 9\n\
             [ \"$ORGDIR_LDAP_LISTEN\" = 127.0.0.1:0 ] || exit 10\n\
             [ \"$ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD\" = 3 ] || exit 11\n\
             [ -d \"$4\" ] || exit 12\n\
             mkdir -p \"$4/tls\" && echo pem > \"$4/tls/ca.pem\"\n\
             printf '{\"ldap\":\"127.0.0.1:1\",\"ldaps\":\"127.0.0.1:2\",\"http\":\"127.0.0.1:3\",\"ca_cert\":\"%s\"}' \"$4/tls/ca.pem\" > \"$6.tmp\"\n\
             mv \"$6.tmp\" \"$6\"\n\
             exec sleep 600\n",
        )?;
        make_executable(&fake)?;
        let server = Server::start(
            &fake,
            Options::new().env("ORGDIR_SECURITY_BIND_LOCKOUT_THRESHOLD", "3"),
        )?;
        assert_eq!(server.ldap_url(), "ldap://127.0.0.1:1");
        assert_eq!(server.ldaps_url(), "ldaps://127.0.0.1:2");
        assert_eq!(server.http_addr().port(), 3);
        assert!(server.ca_cert().starts_with(server.data_dir()));
        assert_eq!(server.exit_status()?, None);
        let root = server.root_dir().to_owned();
        drop(server);
        assert!(!root.exists(), "temporary directory left behind");
        Ok(())
    }

    fn make_executable(path: &Path) -> Result<()> {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(path, fs::Permissions::from_mode(0o755))?;
        Ok(())
    }
}
