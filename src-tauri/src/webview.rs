//! WebKitGTK settings for a one-page app that holds sensitive records: smaller caches, and
//! nothing enabled that the UI does not use.
//!
//! wry turns on the back/forward page cache, WebGL and Web Audio for every window and leaves the
//! web context on WebKit's "web browser" cache model. Carenet's UI is one page that never
//! navigates, draws no 3D and plays no sound, so these only cost memory (and widen what a
//! compromised page could reach). Measured effect: ARCHITECTURE.md, "Desktop figures".
//!
//! `CARENET_WEBVIEW_DEFAULTS=1` keeps wry's defaults, so that `scripts/bench-desktop.sh` can
//! measure the difference; it changes no security setting of the shell (CSP, incognito,
//! navigation lock) and is not meant for users.

/// Applies the settings to the window's web view (Linux: WebKitGTK; elsewhere nothing to do).
pub fn tune(window: &tauri::WebviewWindow) -> tauri::Result<()> {
    if std::env::var("CARENET_WEBVIEW_DEFAULTS").as_deref() == Ok("1") {
        return Ok(());
    }
    #[cfg(target_os = "linux")]
    window.with_webview(|platform| {
        use webkit2gtk::{CacheModel, SettingsExt, WebContextExt, WebViewExt};
        let view = platform.inner();
        if let Some(context) = view.context() {
            // The smallest caches: a document viewer keeps no pages in memory for later.
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_page_cache(false);
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
        }
    })?;
    #[cfg(not(target_os = "linux"))]
    let _ = window;
    Ok(())
}
