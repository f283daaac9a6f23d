//! The bundled examples (`gallery`): one button per record, with its superclass, and their attribution.

use leptos::prelude::*;

use super::ctx::Ctx;
use super::jobs::request_example;
use ecglens_core::session::summary::{example_superclass, example_title};

#[component]
pub(super) fn Gallery(ctx: Ctx) -> impl IntoView {
    view! {
        <section class="gallery" data-testid="gallery" aria-label="Examples">
            {move || ctx.info.with(|info| info.as_ref().map(|i| i.examples.clone()).unwrap_or_default())
                .into_iter().enumerate().map(|(ix, ex)| {
                    view! {
                        <button class="example" data-testid=format!("example-{ix}") data-record=ex.name.clone()
                            class:active=move || ctx.example.get() == Some(ix)
                            title=example_title(&ex)
                            on:click=move |_| request_example(ctx, ix)>
                            <span class="superclass">{example_superclass(&ex)}</span>
                            <span class="name">{ex.name.clone()}</span>
                        </button>
                    }
                }).collect_view()}
            <span class="attribution" data-testid="attribution">{move || ctx.info.with(|i| i.as_ref().map(|i| i.attribution.clone()).unwrap_or_default())}</span>
        </section>
    }
}
