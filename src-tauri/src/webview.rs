//! WebKitGTK settings for a one-page app that holds sensitive records: smaller caches, and
//! nothing enabled that the UI does not use.
//!
//! wry turns on the back/forward page cache, WebGL and Web Audio for every window and leaves the
//! web context on WebKit's "web browser" cache model. Carenet's UI is one page that never
//! navigates, draws no 3D and plays no sound, so these only cost memory (and widen what a
//! compromised page could reach). Measured effect: ARCHITECTURE.md, "Desktop figures".
//!
//! Hardware acceleration is off (`HardwareAccelerationPolicy::Never`): WebKit paints the page on
//! the CPU instead of compositing it with OpenGL. Measured under Xvfb (software GL, as on a
//! machine or VM without a usable GPU): the web process holds about 65 MB less at the unlock
//! screen and about 185 MB less once every screen has been visited, and the first screen shows
//! about 0.3 s sooner. What it costs: on a machine with a GPU,
//! scrolling and CSS transitions are painted by the CPU (Carenet's screens are forms and lists
//! of about 20 drawn rows, and have no animation); that case was not measured here. It does not
//! stop WebKit from loading Mesa: WebKitGTK 2.50 opens an EGL display in the app and the web
//! process whatever the policy (about 50 MB resident in each under software GL).
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
        use webkit2gtk::{CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt};
        let view = platform.inner();
        if let Some(context) = view.context() {
            // The smallest caches: a document viewer keeps no pages in memory for later.
            context.set_cache_model(CacheModel::DocumentViewer);
        }
        if let Some(settings) = WebViewExt::settings(&view) {
            settings.set_enable_page_cache(false);
            settings.set_enable_webgl(false);
            settings.set_enable_webaudio(false);
            // No GPU compositing: the page is painted by the CPU into shared memory. Under software
            // GL (no GPU, a VM, Xvfb) WebKit's compositor otherwise runs on llvmpipe and the web
            // process holds 65 to 185 MB more, and the first screen shows later.
            settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
        }
    })?;
    #[cfg(not(target_os = "linux"))]
    let _ = window;
    Ok(())
}
