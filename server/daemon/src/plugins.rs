//! The plugins this build has, and loading the ones the configuration enables
//! (`[plugins] enabled`) over the directory service: each gets `<data_dir>/plugins/<id>.db`.

use std::sync::Arc;

use anyhow::Context as _;
use orgdir_directory::service::Directory;
use orgdir_plugin_api::Plugin;
use orgdir_plugin_host::Plugins;

use crate::config::Config;

/// Every plugin compiled into this binary.
pub fn available() -> Vec<Arc<dyn Plugin>> {
    vec![Arc::new(orgdir_attendance::Attendance)]
}

/// The ids of the plugins this build has.
pub fn available_ids() -> Vec<&'static str> {
    available().iter().map(|p| p.manifest().id).collect()
}

/// Loads the configured plugins (`all` loads every plugin this build has: the demo).
pub fn load(config: &Config, dir: Arc<Directory>, all: bool) -> anyhow::Result<Arc<Plugins>> {
    let wanted: Vec<String> = if all && config.plugins.enabled.is_empty() {
        available_ids().into_iter().map(String::from).collect()
    } else {
        config.plugins.enabled.clone()
    };
    let chosen = Plugins::select(available(), &wanted)?;
    let plugins = Plugins::load(dir, &config.data_dir.join("plugins"), chosen)
        .context("cannot load the plugins")?;
    Ok(Arc::new(plugins))
}
