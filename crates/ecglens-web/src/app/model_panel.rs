//! The header: what the app is, the model in use (`model-info`), and the user's own model (`model-input`,
//! `model-default`).

use leptos::prelude::*;
use web_sys::{File, HtmlInputElement};

use super::ctx::Ctx;
use super::jobs::switch_model;
use ecglens_core::session::summary::model_info_text;

#[component]
pub(super) fn ModelPanel(ctx: Ctx) -> impl IntoView {
    let on_model_files = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let files: Vec<File> =
            input.files().map(|list| (0..list.length()).filter_map(|i| list.get(i)).collect()).unwrap_or_default();
        input.set_value("");
        switch_model(ctx, files, false);
    };
    view! {
        <header class="top">
            <h1>"ecglens"</h1>
            <p class="tagline">"What an ECG deep-learning model sees: its activations as time-localised clusters, their uncertainty, and how faithfully they explain its predictions. Everything runs in this tab; nothing leaves it."</p>
            <p class="model" data-testid="model-info">
                {move || ctx.info.with(|i| model_info_text(i.as_ref()))}
            </p>
            <p class="model-pick">
                <label>"Audit your own model: its .onnx, its card (.card.json) and, if you fitted one with ecglens fit, its atlas (.atlas.json) "
                    <input type="file" multiple accept=".onnx,.json" data-testid="model-input" on:change=on_model_files />
                </label>
                <button data-testid="model-default" hidden=move || ctx.info.with(|i| i.as_ref().is_none_or(|i| i.is_default_model))
                    on:click=move |_| switch_model(ctx, Vec::new(), true)>"Back to the default model"</button>
            </p>
        </header>
    }
}
