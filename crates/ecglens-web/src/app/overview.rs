//! The overview strip of a long recording (`overview`), above the paper: the whole recording's envelope (lead II
//! when it has one; `ecglens_core::signal::overview`), the window on screen marked (`overview-window`), and time
//! marks. Clicking it opens the window at that time; as a slider (focus it), the arrow keys step a window,
//! Page Up/Down ten minutes, Home/End go to the first and last. Shown only for a window of a long recording.

use std::sync::Arc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::ctx::Ctx;
use super::jobs;
use ecglens_core::session::rows;
use ecglens_core::signal::overview::{envelope_path, ticks, Overview};
use ecglens_core::signal::window::clock;
use ecglens_core::signal::WindowInfo;

/// The strip's drawing box (the SVG scales it to the page's width).
const WIDTH: f64 = 1600.0;
const HEIGHT: f64 = 56.0;

/// The recording on screen, when it is a window of a long one with an overview: (row shown, row of the first
/// window, the window, the overview).
fn shown(ctx: Ctx) -> Option<(u64, u64, WindowInfo, Arc<Overview>)> {
    ctx.current.with(|c| {
        let shown = c.as_ref()?;
        let row = shown.row?;
        let window = shown.explanation.source.as_ref()?.window?;
        let first = ctx.rows.with_untracked(|r| rows::recording_of(r, row));
        let overview = ctx.overviews.with_value(|o| o.get(&first).cloned())?;
        Some((row, first, window, overview))
    })
}

fn go_to(ctx: Ctx, row: Option<u64>) {
    if let Some(row) = row {
        jobs::open_row(ctx, row);
    }
}

#[component]
pub(super) fn OverviewStrip(ctx: Ctx) -> impl IntoView {
    let on_click = move |ev: leptos::ev::MouseEvent| {
        let Some((_, first, _, overview)) = shown(ctx) else { return };
        let Some(svg) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return };
        let rect = svg.get_bounding_client_rect();
        if rect.width() <= 0.0 {
            return;
        }
        let fraction = ((ev.client_x() as f64 - rect.left()) / rect.width()).clamp(0.0, 1.0);
        go_to(ctx, ctx.rows.with_untracked(|r| rows::window_at(r, first, fraction * overview.duration_s)));
    };
    let on_key = move |ev: leptos::ev::KeyboardEvent| {
        let Some((row, first, _, _)) = shown(ctx) else { return };
        let step = match ev.key().as_str() {
            "ArrowRight" | "ArrowDown" => 1,
            "ArrowLeft" | "ArrowUp" => -1,
            "PageDown" => 60,
            "PageUp" => -60,
            "Home" => i64::MIN / 2,
            "End" => i64::MAX / 2,
            _ => return,
        };
        ev.prevent_default();
        let target = ctx.rows.with_untracked(|r| match step {
            s if s == i64::MIN / 2 => rows::windows_of(r, first).first().map(|w| w.0),
            s if s == i64::MAX / 2 => rows::windows_of(r, first).last().map(|w| w.0),
            s => rows::window_step(r, row, s),
        });
        if target != Some(row) {
            go_to(ctx, target);
        }
    };
    view! {
        <div class="overview" data-testid="overview" hidden=move || shown(ctx).is_none()>
            {move || shown(ctx).map(|(_, _, window, overview)| {
                let total = overview.duration_s;
                let x = window.start_s / total * WIDTH;
                let w = (window.duration_s / total * WIDTH).max(3.0);
                let lead = overview.leads.first().map(|l| l.name.clone()).unwrap_or_default();
                let label = format!(
                    "Overview of the whole recording ({}, lead {lead}): the window on screen starts at {}. Click, or use the arrow keys, to move.",
                    clock(total),
                    clock(window.start_s)
                );
                view! {
                    <svg class="overview-strip" viewBox=format!("0 0 {WIDTH} {HEIGHT}") preserveAspectRatio="none"
                        tabindex="0" role="slider" aria-label=label
                        aria-valuemin="0" aria-valuemax=format!("{total:.0}") aria-valuenow=format!("{:.0}", window.start_s)
                        aria-valuetext=clock(window.start_s) data-start-s=format!("{:.3}", window.start_s)
                        on:click=on_click on:keydown=on_key>
                        <path class="overview-trace" d=envelope_path(&overview, 0, WIDTH, HEIGHT)></path>
                        <rect class="overview-window" data-testid="overview-window"
                            x=format!("{x:.1}") y="0" width=format!("{w:.1}") height=format!("{HEIGHT}")></rect>
                    </svg>
                    <div class="overview-ticks" aria-hidden="true">
                        {ticks(total, 8).into_iter().map(|(at, text)| view! {
                            <span style:left=format!("{:.2}%", at * 100.0)>{text}</span>
                        }).collect_view()}
                    </div>
                }
            })}
        </div>
    }
}
