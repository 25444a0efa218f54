//! QR codes for the window: the qrcode crate (the one the CLI uses) makes the module matrix, and
//! this turns its dark modules into SVG path data, which Svelte draws as one `<path>` element
//! (no inline script, no image from elsewhere: the CSP stays `default-src 'none'`).

use crate::ipc_spaces::QrCode;

/// Modules of light margin around the code, as the QR standard asks.
const QUIET_ZONE: u32 = 4;

/// `text` as a QR code, or `None` when it is too long to fit one (the window then shows the text
/// alone and says so).
pub fn encode(text: &str) -> Option<QrCode> {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L).ok()?;
    let width = code.width() as u32;
    let colors = code.to_colors();
    let mut path = String::with_capacity(colors.len() * 4);
    for (i, c) in colors.iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = (i as u32 % width + QUIET_ZONE, i as u32 / width + QUIET_ZONE);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Some(QrCode { size: width + 2 * QUIET_ZONE, path })
}
