//! The side panel of the record on screen: the cluster legend (`legend`), the cardiologists' annotations
//! (`annotations`), the predictions of the CNN and the surrogate (`predictions`, `agreement`) and how each cluster
//! pushes each class (`importance`), and what the file says about itself (`device`: format, the device's own
//! measurements and interpretation, warnings) with the patient's identity behind a toggle that starts hidden
//! (`patient-toggle`, `patient`).

use leptos::prelude::*;

use super::ctx::Ctx;
use crate::canvas;
use ecglens_core::session::device::{patient_rows, patient_toggle_label, source_panel};
use ecglens_core::session::summary::{agreement_text, annotations_text, prediction_rows};

#[component]
pub(super) fn Side(ctx: Ctx) -> impl IntoView {
    view! {
        <aside class="side">
            <h2>"Clusters"</h2>
            <table class="legend" data-testid="legend">
                <thead><tr><th>"#"</th><th>"Cluster"</th><th>"Share"</th></tr></thead>
                <tbody>
                {move || {
                    let layer = ctx.layer.get();
                    ctx.current.with(|c| c.as_ref().map(|s| canvas::legend(&s.explanation, Some(layer))))
                        .unwrap_or_default()
                        .into_iter()
                        .map(|entry| view! {
                            <tr data-cluster=entry.cluster.to_string() data-colour=entry.colour data-pattern=entry.pattern.id()>
                                <td><span class="swatch" style:background=entry.swatch_css.clone()>{entry.tag.clone()}</span></td>
                                <td>{entry.name.clone()}</td>
                                <td>{format!("{:.1} %", entry.share * 100.0)}</td>
                            </tr>
                        })
                        .collect_view()
                }}
                </tbody>
            </table>
            <p class="hint">"Bands: the cluster of each sample (colour, pattern and number). Grey track under each lead: assignment entropy on a fixed [0, ln K] scale. Wheel: zoom · drag / shift+wheel / arrows: pan · 0: reset."</p>
            <p class="annotations" data-testid="annotations" hidden=move || ctx.current.with(|c| c.as_ref().is_none_or(|s| s.explanation.annotations.is_empty()))>
                {move || ctx.current.with(|c| c.as_ref().map(|s| annotations_text(&s.explanation)).unwrap_or_default())}
            </p>
            <h2>"Predictions"</h2>
            <table class="predictions" data-testid="predictions">
                <thead><tr><th>"Class"</th><th>"CNN"</th><th>"Surrogate"</th><th>"Agree"</th></tr></thead>
                <tbody>
                {move || ctx.current.with(|c| c.as_ref().map(|s| {
                    prediction_rows(&s.explanation).into_iter().map(|row| {
                        let class_attr = row.class.clone();
                        view! {
                            <tr data-class=class_attr class:positive=row.positive>
                                <td>{row.class}</td><td>{row.cnn}{if row.positive { " ✓" } else { "" }}</td><td>{row.surrogate}</td><td>{row.agree}</td>
                            </tr>
                        }
                    }).collect_view()
                }))}
                </tbody>
            </table>
            <p class="withheld" data-testid="withheld" hidden=move || ctx.current.with(|c| c.as_ref().is_none_or(|s| s.explanation.withheld.is_none()))>
                {move || ctx.current.with(|c| c.as_ref().and_then(|s| s.explanation.withheld.clone())).unwrap_or_default()}
            </p>
            <p data-testid="agreement">{move || ctx.current.with(|c| c.as_ref().map(|s| agreement_text(&s.explanation))).unwrap_or_default()}</p>
            <FromTheFile ctx=ctx />
            <h2>"How clusters push each class"</h2>
            <div class="importance-wrap">
            <table class="importance" data-testid="importance">
                {move || ctx.current.with(|c| c.as_ref().and_then(|s| s.explanation.surrogate.clone().map(|sur| {
                    let classes = s.explanation.classes.clone();
                    view! {
                        <thead><tr><th>"Feature"</th>{classes.iter().map(|c| view! { <th>{c.clone()}</th> }).collect_view()}</tr></thead>
                        <tbody>
                        {sur.features.iter().enumerate().map(|(f, name)| view! {
                            <tr>
                                <td>{name.clone()}</td>
                                {(0..classes.len()).map(|ci| {
                                    let v = sur.signed_importance.get(ci).and_then(|row| row.get(f)).copied().unwrap_or(0.0);
                                    view! { <td class:pos=(v > 0.0) class:neg=(v < 0.0)>{format!("{v:+.3}")}</td> }
                                }).collect_view()}
                            </tr>
                        }).collect_view()}
                        </tbody>
                    }
                })))}
            </table>
            </div>
        </aside>
    }
}

/// What the file says about itself, beside the model's predictions, labelled as the device's; and the patient's
/// identity, only when the user turns it on (it is never part of an export).
#[component]
fn FromTheFile(ctx: Ctx) -> impl IntoView {
    let panel = move || ctx.current.with(|c| c.as_ref().and_then(|s| source_panel(&s.explanation)));
    let patient = move || ctx.current.with(|c| c.as_ref().and_then(|s| s.patient.clone()));
    view! {
        <section class="device" data-testid="device" hidden=move || panel().is_none() && patient().is_none()>
            <h2>"From the file"</h2>
            {move || panel().map(|p| {
                let (no_device, no_measurements) = (p.device.is_empty(), p.measurements.is_empty());
                let (no_statements, no_warnings) = (p.statements.is_empty(), p.warnings.is_empty());
                view! {
                    <p data-testid="device-format">{p.format}</p>
                    <p data-testid="device-recording">{p.recording}</p>
                    <p data-testid="device-name" hidden=no_device>{p.device}</p>
                    <table class="device-measurements" data-testid="device-measurements" hidden=no_measurements>
                        <caption>"The device's measurements"</caption>
                        <tbody>
                        {p.measurements.into_iter().map(|(name, value)| {
                            let key = name.clone();
                            view! { <tr data-measurement=key><td>{name}</td><td>{value}</td></tr> }
                        }).collect_view()}
                        </tbody>
                    </table>
                    <div data-testid="device-statements" hidden=no_statements>
                        <p class="caption">"The device's interpretation"</p>
                        <ul>{p.statements.into_iter().map(|s| view! { <li>{s}</li> }).collect_view()}</ul>
                    </div>
                    <ul class="warnings" data-testid="device-warnings" hidden=no_warnings>
                        {p.warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}
                    </ul>
                }
            })}
            <div hidden=move || patient().is_none_or(|p| p.is_empty())>
                <button data-testid="patient-toggle" aria-pressed=move || ctx.show_patient.get().to_string()
                    on:click=move |_| ctx.show_patient.update(|shown| *shown = !*shown)>
                    {move || patient_toggle_label(ctx.show_patient.get())}
                </button>
                <table class="patient" data-testid="patient" hidden=move || !ctx.show_patient.get()>
                    <tbody>
                    {move || ctx.show_patient.get().then(|| patient().map(|p| patient_rows(&p).into_iter().map(|(label, value)| view! {
                        <tr><td>{label}</td><td>{value}</td></tr>
                    }).collect_view()))}
                    </tbody>
                </table>
                <label hidden=move || !ctx.show_patient.get()>
                    <input type="checkbox" data-testid="patient-export" prop:checked=move || ctx.export_patient.get()
                        on:change=move |ev| ctx.export_patient.set(event_target_checked(&ev)) />
                    " include it in the JSON export"
                </label>
            </div>
        </section>
    }
}
