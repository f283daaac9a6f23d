//! A panic in wasm is never a silent blank page: the UI writes it into `#fatal` and sets
//! `body[data-state=error]`; the worker posts it to the page as `ecglens_core::protocol::Response::Fatal` (see `ecglens-worker`).

use wasm_bindgen::JsCast;

/// Shows a fatal error in the page (idempotent; keeps the first message visible, appends later ones).
pub fn show_fatal(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    if let Some(body) = document.body() {
        // Cannot fail: `state` is a valid name.
        body.dataset().set("state", "error").ok();
    }
    if let Some(el) = document.get_element_by_id("fatal") {
        let previous = el.text_content().unwrap_or_default();
        let text = if previous.is_empty() { message.to_string() } else { format!("{previous}\n{message}") };
        el.set_text_content(Some(&text));
        if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
            el.set_hidden(false);
        }
    }
}

/// The UI's hook: console (with the stack) + the page.
pub fn install_ui() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_fatal(&format!("ecglens stopped because of an internal error (panic): {info}. Reload the page."));
    }));
}
