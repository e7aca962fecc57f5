//! `orgdir serve`: open the data directory, load the directory, start the LDAP, LDAPS and
//! HTTP listeners and the local control socket, announce readiness, and run until
//! SIGINT/SIGTERM.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use orgdir_directory::service::Directory;
use orgdir_directory::world::{OsEntropy, SystemClock};
use orgdir_ldap::Handler;
use orgdir_store::SqliteStore;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Config;

/// Sets up tracing from `[log]`; `RUST_LOG` wins when set.
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(&config.log.level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if config.log.format == "json" {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// Opens the data directory exclusively: creates it, takes the lock file, opens the store.
pub fn open_data_dir(config: &Config) -> anyhow::Result<(std::fs::File, SqliteStore)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("cannot create data directory {}", config.data_dir.display()))?;
    let lock_path = config.data_dir.join("orgdir.lock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .with_context(|| format!("cannot open {}", lock_path.display()))?;
    lock.try_lock().map_err(|_| {
        anyhow::anyhow!(
            "another orgdir process is using {} (stop it first)",
            config.data_dir.display()
        )
    })?;
    let store = SqliteStore::open(&config.database_path())
        .with_context(|| format!("cannot open database {}", config.database_path().display()))?;
    Ok((lock, store))
}

/// Opens the directory service over the data directory.
pub fn open_directory(config: &Config) -> anyhow::Result<(std::fs::File, Arc<Directory>)> {
    let (lock, store) = open_data_dir(config)?;
    let dir = Directory::open(
        Arc::new(store),
        config.directory(),
        Arc::new(SystemClock),
        Arc::new(OsEntropy),
    )?;
    Ok((lock, Arc::new(dir)))
}

async fn bind(addr: &str, what: &str) -> anyhow::Result<Option<TcpListener>> {
    if addr.is_empty() {
        return Ok(None);
    }
    let l = TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen for {what} on {addr}"))?;
    Ok(Some(l))
}

fn local(l: &Option<TcpListener>) -> Option<String> {
    l.as_ref()
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.to_string())
}

/// Runs the server.
pub async fn serve(config: Config, demo: bool, ready_file: Option<PathBuf>) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let (_lock, dir) = open_directory(&config)?;
    if demo && orgdir_directory::demo::seed_demo(&dir).await? {
        tracing::info!("created the demo enterprise 100001 (dc=example,dc=com)");
    }
    let (tx, rx) = watch::channel(false);

    // Password-hash upgrades found at bind are committed in batches, at least every second.
    {
        let dir = dir.clone();
        let mut stop = rx.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => dir.flush_upgrades().await,
                    _ = stop.changed() => {
                        dir.flush_upgrades().await;
                        return;
                    }
                }
            }
        });
    }

    // TLS: configured files, or a generated private CA in <data_dir>/tls.
    let tls_dir = config.data_dir.join("tls");
    let (cert_path, key_path, ca_path) = if config.ldap.tls_cert.is_empty() {
        let now = time::OffsetDateTime::now_utc();
        let pki = orgdir_tls::ensure_self_signed(&tls_dir, &[], now)
            .context("cannot create the self-signed TLS certificate")?;
        (pki.cert, pki.key, Some(pki.ca_cert))
    } else {
        (
            PathBuf::from(&config.ldap.tls_cert),
            PathBuf::from(&config.ldap.tls_key),
            None,
        )
    };
    let cert = orgdir_tls::ReloadableCert::load(&cert_path, &key_path)?;
    let acceptor = cert.acceptor()?;
    let _reloader = orgdir_tls::spawn_reloader(
        cert.clone(),
        Duration::from_secs(config.ldap.tls_reload_seconds.max(1)),
        rx.clone(),
    );

    let ldap_l = bind(&config.ldap.listen, "LDAP").await?;
    let ldaps_l = bind(&config.ldap.ldaps_listen, "LDAPS").await?;
    let http_l = bind(&config.http.listen, "HTTP").await?;
    let https_l = bind(&config.http.tls_listen, "HTTPS").await?;
    let addrs = (local(&ldap_l), local(&ldaps_l), local(&http_l));
    let https_addr = local(&https_l);

    let starttls = config.ldap.starttls.then(|| acceptor.clone());
    let handler = Arc::new(Handler::new(
        dir.clone(),
        config.ldap_config(),
        starttls.is_some(),
    ));
    let mut tasks = Vec::new();
    if let Some(l) = ldap_l {
        tasks.push(tokio::spawn(orgdir_ldap::server::serve(
            l,
            handler.clone(),
            None,
            starttls.clone(),
            rx.clone(),
        )));
    }
    if let Some(l) = ldaps_l {
        let ldaps_handler = Arc::new(Handler::new(dir.clone(), config.ldap_config(), false));
        tasks.push(tokio::spawn(orgdir_ldap::server::serve(
            l,
            ldaps_handler,
            Some(acceptor.clone()),
            None,
            rx.clone(),
        )));
    }
    // Outgoing mail and the key of signed links (recovery, SSO hand-off).
    let mailer = Arc::new(
        orgdir_mail::Mailer::new(config.mail_settings(Config::read_password_file)?)
            .context("cannot set up outgoing mail ([mail])")?,
    );
    tracing::info!(transport = %mailer.describe(), "outgoing mail");
    let secret = load_or_create_secret(&config.data_dir.join("secret.key"))?;
    let links = orgdir_web::links::Links::new(
        secret,
        &public_url(&config, addrs.2.as_deref(), https_addr.as_deref()),
        config.security.recovery_link_minutes,
    );
    // One session table for both listeners; cookies set over HTTPS are Secure.
    let web = orgdir_web::AppState::new(dir.clone(), false)
        .with_enterprise_defaults(orgdir_web::operator::Defaults {
            seats: config.limits.default_seats,
            limits: config.domain_limits(),
        })
        .with_links(links)
        .with_mailer(mailer.clone());
    // Plugins: those the configuration names (the demo: every plugin this build has, turned
    // on for the demo enterprise when it is first created).
    let plugins = crate::plugins::load(&config, dir.clone(), demo)?;
    if demo {
        demo_plugins(&dir, &plugins).await?;
    }
    let jobs = plugins.start_jobs();
    tracing::info!(
        plugins = ?plugins.iter().map(|l| l.manifest.id).collect::<Vec<_>>(),
        jobs,
        "plugins"
    );
    let web = web.with_plugins(plugins);
    if let Some(l) = http_l {
        let app = orgdir_web::router(web.clone())
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let mut rx_http = rx.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx_http.changed().await;
            };
            if let Err(e) = axum::serve(l, app).with_graceful_shutdown(shutdown).await {
                tracing::error!(error = %e, "HTTP server failed");
            }
        }));
    }
    if let Some(l) = https_l {
        use axum::serve::ListenerExt as _;
        let secure = orgdir_web::AppState {
            secure_cookies: true,
            ..web.clone()
        };
        let app = orgdir_web::router(secure)
            .layer(axum::middleware::map_response(hsts))
            .into_make_service_with_connect_info::<std::net::SocketAddr>();
        let listener = crate::https::TlsListener::start(
            l,
            acceptor.clone(),
            config.ldap_config().tls_handshake_timeout,
            rx.clone(),
        )?
        .tap_io(|_| {});
        let mut rx_https = rx.clone();
        tasks.push(tokio::spawn(async move {
            let shutdown = async move {
                let _ = rx_https.changed().await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(shutdown)
                .await
            {
                tracing::error!(error = %e, "HTTPS server failed");
            }
        }));
    }

    // The local control socket: the same API for the command line on this machine, as the
    // administrator of the enterprise a request names (see control.rs).
    let control_path = match crate::control::bind(&config.data_dir) {
        Ok(l) => {
            let path = l.path().to_path_buf();
            let app = orgdir_web::router(web.clone())
                .layer(axum::Extension(orgdir_web::auth::LocalAdmin));
            let mut rx_control = rx.clone();
            tasks.push(tokio::spawn(async move {
                let shutdown = async move {
                    let _ = rx_control.changed().await;
                };
                if let Err(e) = axum::serve(l, app).with_graceful_shutdown(shutdown).await {
                    tracing::error!(error = %e, "control socket server failed");
                }
            }));
            Some(path)
        }
        Err(e) => {
            tracing::error!(
                error = format!("{e:#}"),
                "no local control socket: `orgdir import` will need the server stopped"
            );
            None
        }
    };

    tracing::info!(
        control = control_path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into()),
        ldap = addrs.0.as_deref().unwrap_or("-"),
        ldaps = addrs.1.as_deref().unwrap_or("-"),
        http = addrs.2.as_deref().unwrap_or("-"),
        https = https_addr.as_deref().unwrap_or("-"),
        enterprises = dir.catalog().enterprises.len(),
        startup_ms = started.elapsed().as_millis() as u64,
        "orgdir is serving"
    );
    if let Some(path) = &ready_file {
        write_ready_file(path, &addrs, https_addr.as_deref(), ca_path.as_deref())?;
    }

    wait_for_shutdown().await;
    tracing::info!("shutting down");
    let _ = tx.send(true);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    if let Some(path) = control_path {
        let _ = std::fs::remove_file(path);
    }
    // Mail still being sent gets a moment to finish.
    let _ = tokio::time::timeout(Duration::from_secs(10), mailer.idle()).await;
    Ok(())
}

/// The base of the links orgdir sends: `http.public_url`, else the HTTPS listener's
/// address, else the HTTP listener's.
fn public_url(config: &Config, http: Option<&str>, https: Option<&str>) -> String {
    let configured = config.http.public_url.trim_end_matches('/');
    if !configured.is_empty() {
        return configured.to_string();
    }
    let url = match (https, http) {
        (Some(a), _) => format!("https://{a}"),
        (None, Some(a)) => format!("http://{a}"),
        (None, None) => "http://127.0.0.1:8080".to_string(),
    };
    if url.contains("://0.0.0.0:") || url.contains("://[::]:") {
        tracing::warn!(
            %url,
            "http.public_url is not set: links in recovery mails and SSO hand-offs name an \
             address other machines cannot open; set http.public_url"
        );
    }
    url
}

/// The server's secret for signed links: 32 random bytes in `path`, created once (mode
/// 0600). Losing it only ends the links already sent.
fn load_or_create_secret(path: &Path) -> anyhow::Result<[u8; 32]> {
    match std::fs::read(path) {
        Ok(bytes) => {
            return <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| {
                anyhow::anyhow!(
                    "{} must hold exactly 32 bytes (delete it to make a new one; links already \
                     sent stop working)",
                    path.display()
                )
            });
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
    let mut key = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut key);
    // Written under a temporary name, then renamed: never a half-written key. The data
    // directory's lock keeps other orgdir processes away meanwhile.
    let tmp = path.with_extension("key.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let write = || -> std::io::Result<()> {
        use std::io::Write as _;
        let mut f = options.open(&tmp)?;
        f.write_all(&key)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().with_context(|| format!("cannot create {}", path.display()))?;
    tracing::info!(path = %path.display(), "created the secret key of signed links");
    Ok(key)
}

/// Tells browsers to keep using HTTPS for this host (responses over HTTPS only).
async fn hsts(mut resp: axum::response::Response) -> axum::response::Response {
    resp.headers_mut().insert(
        axum::http::header::STRICT_TRANSPORT_SECURITY,
        axum::http::HeaderValue::from_static("max-age=31536000"),
    );
    resp
}

fn write_ready_file(
    path: &Path,
    addrs: &(Option<String>, Option<String>, Option<String>),
    https: Option<&str>,
    ca: Option<&Path>,
) -> anyhow::Result<()> {
    let ca = ca
        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
        .map(|p| p.display().to_string());
    let json = serde_json::json!({
        "ldap": addrs.0,
        "ldaps": addrs.1,
        "http": addrs.2,
        "https": https,
        "ca_cert": ca,
    });
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(&json)?)
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

async fn wait_for_shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Turns every loaded plugin on for the demo enterprise, once (a plugin the demo's
/// administrator turned off stays off).
async fn demo_plugins(
    dir: &orgdir_directory::service::Directory,
    plugins: &orgdir_plugin_host::Plugins,
) -> anyhow::Result<()> {
    let number = orgdir_directory::demo::DEMO_ENTERPRISE;
    let Some(snap) = dir.catalog().get(number).cloned() else {
        return Ok(());
    };
    for l in plugins.iter() {
        let id = l.manifest.id;
        if snap.state.enterprise.account.plugins.contains_key(id) {
            continue;
        }
        dir.execute(
            number,
            orgdir_domain::authz::Actor::System,
            "demo",
            orgdir_domain::command::Command::SetPlugin {
                plugin: id.to_string(),
                enabled: true,
                default_grants: plugins.default_grants(id),
            },
        )
        .await?;
        tracing::info!(plugin = id, "turned on for the demo enterprise");
    }
    Ok(())
}
