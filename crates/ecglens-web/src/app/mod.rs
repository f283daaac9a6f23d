//! The page: a Leptos (client-side rendered) app that talks to the worker and draws its answers.
//!
//! Automation contract (kept stable): `body[data-state]` is `loading` / `ready` / `busy` / `error`;
//! `data-testid`s: `file-input` (`<input type=file multiple>`), `summary` (record name, CNN and surrogate
//! probabilities, layer, mean entropy), `batch` (one row per loaded record with its status or error), plus
//! `folder-input`, `notice`, `rows-hidden`, `model-input`, `model-default`, `model-info`,
//! `gallery`, `layer`, `layout`, `speed`, `gain`, `ecg-canvas`, `legend`, `predictions`, `importance`,
//! `progress`, `cancel`, `export-png`, `export-csv`, `export-json`, `export-manifest`, `dropzone`, `overview`,
//! `overview-window`.
//!
//! * `ctx` — the state every component gets; `jobs` and `intake` — the job queue's page side;
//!   `draw` — drawing at the next animation frame, and `body[data-*]`.
//! * The components, top to bottom: `model_panel` (header), `summary` (notice and summary lines),
//!   `gallery`, `controls` (with `exports`), `paper_view` (the canvas, with `overview` above it and `side`), `batch` (the
//!   user's records), `footer`.

mod batch;
mod controls;
mod ctx;
mod draw;
mod exports;
mod footer;
mod gallery;
mod intake;
mod jobs;
mod model_panel;
mod overview;
mod paper_view;
mod side;
mod summary;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use batch::Batch;
use controls::Controls;
use ctx::Ctx;
use footer::Footer;
use gallery::Gallery;
use model_panel::ModelPanel;
use paper_view::PaperView;
use summary::{Notice, Summary};

use ecglens_core::session::PageState;

/// What `?ecglens-test-panic=` asks for (the e2e test of panic reporting).
#[derive(Debug, Clone, Copy, PartialEq)]
enum TestPanic {
    None,
    Ui,
    Worker,
}

fn test_panic_requested() -> TestPanic {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    if search.contains("ecglens-test-panic=worker") {
        TestPanic::Worker
    } else if search.contains("ecglens-test-panic=ui") {
        TestPanic::Ui
    } else {
        TestPanic::None
    }
}

fn test_panic_ui() {
    panic!("test panic requested by the page (?ecglens-test-panic=ui)");
}

/// Mounts the app into `#app` (replacing the boot message), or into the body without one.
pub fn mount() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else { return };
    let root = document.get_element_by_id("app").and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    let Some(root) = root.or_else(|| document.body()) else { return };
    root.set_inner_html("");
    leptos::mount::mount_to(root, App).forget();
    if test_panic_requested() == TestPanic::Ui {
        let panic = Closure::once_into_js(test_panic_ui);
        if let Some(w) = web_sys::window() {
            // Harmless if it fails: only the e2e test asks for this panic, and it fails visibly without it.
            w.set_timeout_with_callback_and_timeout_and_arguments_0(panic.unchecked_ref(), 300).ok();
        }
    }
}

#[component]
fn App() -> impl IntoView {
    let ctx = Ctx::new(test_panic_requested() == TestPanic::Worker);
    // The offline copy is made once the first record is drawn, so its downloads do not compete with first paint.
    Effect::new(move |registered: Option<bool>| {
        let drawn = ctx.drawn.get() != 0;
        if drawn && registered != Some(true) {
            ctx.offline.register();
        }
        drawn || registered == Some(true)
    });
    let canvas_ref = NodeRef::<leptos::html::Canvas>::new();

    Effect::new(move |_| {
        let state = PageState::of(
            ctx.fatal.with(|f| f.is_some()),
            ctx.info.with(|i| i.is_some()),
            ctx.pending.get(),
            ctx.current.with(|c| c.as_ref().map(|s| s.version)),
            ctx.drawn.get(),
        );
        draw::set_body_data("state", state.key());
    });
    Effect::new(move |_| draw::set_body_data("offline", ctx.offline.status.with(|s| s.key())));
    // A fatal error is also shown in the static #fatal box (visible even if the UI cannot render).
    Effect::new(move |_| {
        if let Some(message) = ctx.fatal.get() {
            crate::panic::show_fatal(&message);
        }
    });

    // Drawing: the effect tracks what the picture depends on; the drawing itself runs at the next animation
    // frame, once per frame however many inputs came in (a 125 Hz mouse moves two or three times a frame).
    Effect::new(move |_| {
        ctx.settings();
        ctx.resize.track();
        ctx.current.track();
        canvas_ref.track();
        draw::schedule_draw(ctx, canvas_ref);
    });

    jobs::start_worker(ctx);
    let on_resize = Closure::<dyn FnMut()>::new(move || ctx.resize.update(|r| *r += 1));
    if let Some(w) = web_sys::window() {
        // Harmless if it fails: the canvas then keeps its size until the next redraw.
        w.add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref()).ok();
    }
    on_resize.forget();

    view! {
        <ModelPanel ctx=ctx />
        <Notice ctx=ctx />
        <Gallery ctx=ctx />
        <Controls ctx=ctx canvas_ref=canvas_ref />
        <Summary ctx=ctx />
        <PaperView ctx=ctx canvas_ref=canvas_ref />
        <Batch ctx=ctx />
        <Footer ctx=ctx />
    }
}
