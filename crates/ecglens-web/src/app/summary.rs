//! The two lines of text about what is going on: the notice (`notice`) and the summary of the record on screen
//! (`summary`). Their words are `ecglens_core::session::{notice, summary}`.

use leptos::prelude::*;

use super::ctx::Ctx;
use ecglens_core::session::summary::{summary_text, NO_RECORD};

#[component]
pub(super) fn Notice(ctx: Ctx) -> impl IntoView {
    view! {
        <p class="notice" data-testid="notice" hidden=move || ctx.notice.with(|n| n.is_empty())>{move || ctx.notice.get()}</p>
    }
}

#[component]
pub(super) fn Summary(ctx: Ctx) -> impl IntoView {
    view! {
        <p class="summary" data-testid="summary" aria-live="polite">
            {move || {
                let layer = ctx.layer.get();
                ctx.current.with(|c| match c {
                    Some(s) => summary_text(&s.explanation, layer),
                    None => NO_RECORD.into(),
                })
            }}
        </p>
    }
}
