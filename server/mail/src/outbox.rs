//! The outbox transport: one `.eml` file per message in a private folder.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Writes `message` as a new file in `dir` (created 0700 if missing); the file is created
/// 0600 under a temporary name, then renamed, so a reader never sees half a message.
pub(crate) async fn write(dir: &Path, message: Vec<u8>) -> Result<PathBuf> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || write_blocking(&dir, &message))
        .await
        .map_err(|e| Error::Message(format!("the outbox writer failed: {e}")))?
}

fn write_blocking(dir: &Path, message: &[u8]) -> Result<PathBuf> {
    let io = |what: &'static str, path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { what, path, source }
    };
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder
        .create(dir)
        .map_err(io("cannot create the outbox", dir))?;
    // Names sort in the order the messages were written (then a random part).
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let suffix: u32 = rand::random();
    let name = format!(
        "{}.{:09}-{suffix:08x}.eml",
        since_epoch.as_secs(),
        since_epoch.subsec_nanos()
    );
    let path = dir.join(&name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&tmp).and_then(|mut f| {
        f.write_all(message)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("cannot write", &tmp)(e));
    }
    std::fs::rename(&tmp, &path).map_err(io("cannot rename into place", &path))?;
    Ok(path)
}
