//! The export buttons (`export-png`, `export-csv`, `export-json`, `export-manifest`) of the record on screen; the
//! files are made by `crate::export`.

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::export;
use ecglens_core::session::notice;

/// What an export button saves.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Png,
    Csv,
    Json,
    Manifest,
}

/// Saves the record on screen as `kind`; a failure becomes a notice.
fn save(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>, kind: Kind) {
    let Some(shown) = ctx.current.get_untracked() else { return };
    let e = &shown.explanation;
    let stem = export::file_stem(&e.record_name);
    let result = match kind {
        Kind::Png => match canvas_ref.get_untracked() {
            Some(c) => export::save_png(&c, &format!("{stem}.png")),
            None => Err("no canvas".into()),
        },
        Kind::Csv => export::save(&format!("{stem}.csv"), "text/csv", &export::csv(e)),
        Kind::Json => {
            // The identity goes in only when the user asked for it explicitly (and it is shown).
            let asked = ctx.show_patient.get_untracked() && ctx.export_patient.get_untracked();
            let patient = shown.patient.as_deref().filter(|_| asked);
            export::json(e, patient).and_then(|json| export::save(&format!("{stem}.json"), "application/json", &json))
        }
        Kind::Manifest => {
            let info = ctx.info.get_untracked().unwrap_or_default();
            export::manifest(e, &info, &ctx.settings_untracked())
                .and_then(|json| export::save(&format!("{stem}.manifest.json"), "application/json", &json))
        }
    };
    if let Err(message) = result {
        ctx.notice.set(notice::export_failed(&message));
    }
}

#[component]
pub(super) fn Exports(ctx: Ctx, canvas_ref: NodeRef<leptos::html::Canvas>) -> impl IntoView {
    let export = move |kind: Kind| save(ctx, canvas_ref, kind);
    view! {
        <span class="exports">
            <button data-testid="export-png" on:click=move |_| export(Kind::Png)>"PNG"</button>
            <button data-testid="export-csv" on:click=move |_| export(Kind::Csv)>"CSV"</button>
            <button data-testid="export-json" on:click=move |_| export(Kind::Json)>"JSON"</button>
            <button data-testid="export-manifest" on:click=move |_| export(Kind::Manifest)>"Manifest"</button>
        </span>
    }
}
