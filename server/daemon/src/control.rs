//! The local control socket: while the server runs, it also serves the HTTP API on a Unix
//! socket in its data directory, `<data_dir>/control.sock`, so that command-line tools
//! (`orgdir import`) work through the running server instead of needing it stopped — the
//! import then runs as a job inside the server, LDAP keeps answering from its snapshots, and
//! the command shows the job's progress.
//!
//! Trust model: a request on this socket names an enterprise in `X-Orgdir-Enterprise` and
//! acts as its administrator (`orgdir_web::auth::LocalAdmin`). The socket is therefore made
//! mode 0600 before anyone can reach it (bound inside a private 0700 directory, then renamed
//! into place), and a connecting process must run as the server's user (or root), checked
//! with the kernel's peer credentials. Whoever passes — like whoever can read the database
//! file — is root for every enterprise.
//!
//! The file is replaced on start (the caller holds the data directory's lock, so no other
//! server uses it) and removed on a clean shutdown; a file left by a killed server refuses
//! connections, and the command line then works on the data directory directly.

pub mod client;

use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use tokio::net::{UnixListener, UnixStream};

/// The control socket of a data directory.
pub fn socket_path(data_dir: &Path) -> PathBuf {
    data_dir.join("control.sock")
}

/// Binds the control socket of `data_dir` (mode 0600, replacing a stale file). The caller
/// must hold the data directory's lock.
pub fn bind(data_dir: &Path) -> anyhow::Result<LocalListener> {
    let path = socket_path(data_dir);
    // A private directory first: the socket is never reachable with looser permissions.
    let private = data_dir.join("control.tmp");
    if private.exists() {
        std::fs::remove_dir_all(&private)
            .with_context(|| format!("cannot remove {}", private.display()))?;
    }
    std::fs::DirBuilder::new()
        .mode(0o700)
        .create(&private)
        .with_context(|| format!("cannot create {}", private.display()))?;
    let staged = private.join("control.sock");
    let bound = (|| -> std::io::Result<std::os::unix::net::UnixListener> {
        let l = std::os::unix::net::UnixListener::bind(&staged)?;
        std::fs::set_permissions(&staged, std::fs::Permissions::from_mode(0o600))?;
        std::fs::rename(&staged, &path)?;
        l.set_nonblocking(true)?;
        Ok(l)
    })();
    let _ = std::fs::remove_dir_all(&private);
    let listener = bound.with_context(|| format!("cannot create {}", path.display()))?;
    // The socket file was just made by this process: its owner is the server's user.
    let uid = std::fs::metadata(&path)
        .with_context(|| format!("cannot inspect {}", path.display()))?
        .uid();
    Ok(LocalListener {
        inner: UnixListener::from_std(listener)?,
        uid,
        path,
    })
}

/// An [`axum::serve::Listener`] over the control socket that only hands on connections of
/// processes running as the server's user or as root.
pub struct LocalListener {
    inner: UnixListener,
    uid: u32,
    path: PathBuf,
}

impl LocalListener {
    /// The socket's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl axum::serve::Listener for LocalListener {
    type Io = UnixStream;
    type Addr = ();

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.inner.accept().await {
                Ok((stream, _)) => match stream.peer_cred() {
                    Ok(cred) if cred.uid() == self.uid || cred.uid() == 0 => return (stream, ()),
                    Ok(cred) => {
                        tracing::warn!(
                            uid = cred.uid(),
                            pid = ?cred.pid(),
                            "refused a control-socket connection from another user"
                        );
                    }
                    Err(e) => tracing::warn!(error = %e, "control socket: no peer credentials"),
                },
                Err(e) => {
                    // EMFILE and friends: wait a moment instead of spinning.
                    tracing::warn!(error = %e, "control socket accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(())
    }
}
