//! A day's visits: a rep's own (today by default), or — for supervisors and above — their
//! team's, as a timeline and a map of where the customers are and where each check-in was,
//! flagged check-ins in red (`map`). Without a tile server the map is a plain scaled plot.

use kaidan_shared::visit::{Visit, VisitListQuery, VisitStatsQuery, VisitStatus};
use kaidan_shared::Role;
use leptos::prelude::*;
use leptos_router::components::A;

use crate::api::{self, ApiResult};
use crate::app::use_auth;
use crate::components::{ErrorState, Loading};
use crate::i18n::use_i18n;
use crate::i18n::visit::VisitText;
use crate::offline::queue::{self, Queued};

use super::{flag_text, status_text, today};

#[component]
pub fn VisitsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let day = RwSignal::new(today());
    let supervises = move || auth.role().is_some_and(|r| r != Role::SalesRep);
    let team = RwSignal::new(false);
    let visits = LocalResource::new(move || {
        let d = day.get();
        let mine = !team.get();
        let me = auth.0.with(|m| m.as_ref().map(|m| m.id));
        async move {
            let q = VisitListQuery {
                day: Some(d),
                owner_id: if mine { me } else { None },
                limit: Some(200),
                ..Default::default()
            };
            load_day(q, mine).await
        }
    });
    // The map's tiles, read when the team's day is first shown.
    let settings = LocalResource::new(move || {
        let show = team.get();
        async move {
            if show {
                api::visit::settings().await.ok()
            } else {
                None
            }
        }
    });
    let refetch = Callback::new(move |_| visits.refetch());
    view! {
        <section class="page">
            <div class="page-head">
                <h1>{move || i18n.t(VisitText::Visits)}</h1>
                <A href="/follow-ups" attr:class="btn" attr:data-testid="to-follow-ups">{move || i18n.t(VisitText::FollowUps)}</A>
            </div>
            <div class="toolbar">
                <label for="visit-day" class="sr-only">{move || i18n.t(VisitText::Day)}</label>
                <input id="visit-day" type="date" data-testid="visit-day"
                    prop:value=move || day.get().to_string()
                    on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse() { day.set(d) }
                    }/>
                <Show when=supervises fallback=|| ()>
                    <div class="segmented" role="group">
                        <button class="btn" aria-pressed=move || (!team.get()).to_string()
                            on:click=move |_| team.set(false)>{move || i18n.t(VisitText::MyDay)}</button>
                        <button class="btn" data-testid="team-day" aria-pressed=move || team.get().to_string()
                            on:click=move |_| team.set(true)>{move || i18n.t(VisitText::TeamDay)}</button>
                    </div>
                </Show>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || visits.get().map(|r| match r {
                    Ok(DayView { items: v, offline, waiting }) => {
                        let plot = (team.get_untracked() && !v.is_empty()).then(|| {
                            let for_plot = v.clone();
                            let for_map = v.clone();
                            view! {
                                <Suspense fallback=|| view! { <Loading/> }>
                                    {move || settings.get().map(|s| match s {
                                        Some(s) if super::map::has_tiles(&s) => {
                                            let for_plot = for_plot.clone();
                                            view! {
                                                <super::map::TeamMap visits=for_map.clone() settings=s
                                                    fallback=move || view! { <Plot visits=for_plot.clone()/> }/>
                                            }.into_any()
                                        }
                                        _ => view! { <Plot visits=for_plot.clone()/> }.into_any(),
                                    })}
                                </Suspense>
                            }
                        });
                        view! {
                            {offline.then(|| view! { <p class="notice" role="status" data-testid="offline-copy">{move || i18n.t(VisitText::OfflineCopy)}</p> })}
                            {(!waiting.is_empty()).then(|| view! { <super::sync::SyncList entries=waiting on_change=refetch/> })}
                            {v.is_empty().then(|| view! { <p class="empty">{move || i18n.t(VisitText::NoVisits)}</p> })}
                            {plot}
                            <ol class="cards visit-list" data-testid="visit-list">
                                {v.into_iter().map(|v| view! { <VisitCard visit=v/> }).collect_view()}
                            </ol>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| visits.refetch()/> }.into_any(),
                })}
            </Transition>
            <Show when=move || team.get() fallback=|| ()>
                <WeekStats day=day/>
            </Show>
        </section>
    }
}

/// A day's visits as the screen shows them.
#[derive(Clone)]
struct DayView {
    items: Vec<Visit>,
    /// No network: the list kept on the phone.
    offline: bool,
    /// The rep's steps not yet sent (all visits).
    waiting: Vec<Queued>,
}

/// The day from the server — kept on the phone when it is the rep's own, each visit too, so the
/// day's plan opens in a basement — or the kept copy without a network; the waiting steps laid
/// over either.
async fn load_day(q: VisitListQuery, mine: bool) -> ApiResult<DayView> {
    let whose = if mine { "mine" } else { "team" };
    let key = queue::day_key(q.day.unwrap_or_else(super::today), whose);
    let waiting = match api::user_id() {
        Some(u) => queue::load(u).await,
        None => Vec::new(),
    };
    let (mut items, offline) = match api::visit::list(&q).await {
        Ok(p) => {
            if mine {
                queue::remember(&key, &p.items).await;
                for v in &p.items {
                    queue::remember_visit(v, Some(api::etag(v.version))).await;
                }
            }
            (p.items, false)
        }
        Err(e) if e.is_network() => match queue::recall::<Vec<Visit>>(&key).await {
            Some(v) => (v, true),
            None => return Err(e),
        },
        Err(e) => return Err(e),
    };
    for v in &mut items {
        queue::overlay(v, &waiting);
    }
    Ok(DayView {
        items,
        offline,
        waiting,
    })
}

/// Hours and minutes in the phone's time.
fn clock(t: chrono::DateTime<chrono::Utc>) -> String {
    crate::components::local_time(t)
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

#[component]
fn VisitCard(visit: Visit) -> impl IntoView {
    let i18n = use_i18n();
    let v = visit;
    let flagged = v
        .check_in
        .as_ref()
        .is_some_and(|c| !c.assessment.flags.is_empty());
    let flags = v
        .check_in
        .as_ref()
        .map(|c| c.assessment.flags.clone())
        .unwrap_or_default();
    let distance = v.check_in.as_ref().and_then(|c| c.assessment.distance_m);
    let status = v.status;
    view! {
        <li class="card visit-card" class:flagged=flagged data-testid="visit-card" data-status=format!("{status:?}")>
            <A href=format!("/visits/{}", v.id)>
                <span class="time">{clock(v.visit_at)}</span>
                <strong>{v.customer_name.clone().unwrap_or_default()}</strong>
                <span class="badge">{move || i18n.t(status_text(status))}</span>
                {flags.into_iter().map(|f| view! { " "<span class="badge warn">{move || i18n.t(flag_text(f))}</span> }).collect_view()}
                <span class="muted small">
                    {v.owner_name.clone().unwrap_or_default()}
                    {v.purpose.clone().map(|p| format!(" · {p}"))}
                    {distance.map(|d| format!(" · {d}")).map(|d| view! { {d}{move || i18n.t(VisitText::Metres)} })}
                </span>
            </A>
        </li>
    }
}

/// The week (Monday to Sunday) of the chosen day, per rep of the supervisor's scope: visits done
/// each day and in all, still in progress, planned and not done, cancelled, flagged check-ins.
#[component]
fn WeekStats(day: RwSignal<chrono::NaiveDate>) -> impl IntoView {
    use chrono::Datelike;
    let i18n = use_i18n();
    let stats = LocalResource::new(move || {
        let d = day.get();
        let monday = d - chrono::Duration::days(i64::from(d.weekday().num_days_from_monday()));
        async move {
            let q = VisitStatsQuery {
                from: monday,
                days: Some(7),
                team_id: None,
            };
            api::visit::stats(&q).await
        }
    });
    let weekdays = ["一", "二", "三", "四", "五", "六", "日"];
    view! {
        <section class="card week-stats" data-testid="week-stats">
            <h2>{move || i18n.t(VisitText::ThisWeek)}</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || stats.get().map(|r| match r {
                    Ok(s) if s.rows.is_empty() => view! { <p class="empty">{move || i18n.t(VisitText::NoVisits)}</p> }.into_any(),
                    Ok(s) => view! {
                        <div class="table-scroll">
                            <table>
                                <thead><tr>
                                    <th scope="col">{move || i18n.t(VisitText::Rep)}</th>
                                    {weekdays.iter().map(|w| view! { <th scope="col" class="num">{*w}</th> }).collect_view()}
                                    <th scope="col" class="num">{move || i18n.t(VisitText::Done)}</th>
                                    <th scope="col" class="num">{move || i18n.t(VisitText::CheckedIn)}</th>
                                    <th scope="col" class="num">{move || i18n.t(VisitText::Planned)}</th>
                                    <th scope="col" class="num">{move || i18n.t(VisitText::Flagged)}</th>
                                </tr></thead>
                                <tbody>
                                    {s.rows.into_iter().map(|r| view! {
                                        <tr data-testid="week-row">
                                            <th scope="row">{r.owner_name.clone().unwrap_or_default()}</th>
                                            {r.done_per_day.iter().map(|n| view! { <td class="num">{*n}</td> }).collect_view()}
                                            <td class="num"><strong>{r.done}</strong></td>
                                            <td class="num">{r.checked_in}</td>
                                            <td class="num">{r.planned}</td>
                                            <td class={if r.flagged > 0 { "num warn" } else { "num" }}>{r.flagged}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorState error=e on_retry=move |_| stats.refetch()/> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// Customers (blue) and check-ins (orange, red when flagged) of the day, each pair joined by a
/// line, scaled into a square; north is up. A drawing, not a map: it needs no tile server.
#[component]
fn Plot(visits: Vec<Visit>) -> impl IntoView {
    let i18n = use_i18n();
    let mut points: Vec<(f64, f64)> = Vec::new();
    for v in &visits {
        if let (Some(a), Some(b)) = (v.customer_lat, v.customer_lng) {
            points.push((a, b));
        }
        if let Some(c) = &v.check_in {
            points.push((c.lat, c.lng));
        }
    }
    if points.is_empty() {
        return None;
    }
    let (mut s, mut n, mut w, mut e) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for (lat, lng) in &points {
        s = s.min(*lat);
        n = n.max(*lat);
        w = w.min(*lng);
        e = e.max(*lng);
    }
    let span = (n - s).max(e - w).max(0.002);
    // Whole units of a 1000-wide drawing: formatting floats would pull their code into the
    // first screen's download (docs/bundle-size.md).
    let size = 1000.0;
    let pad = 40.0;
    let xy = move |lat: f64, lng: f64| {
        (
            (pad + (lng - w) / span * (size - 2.0 * pad)) as i32,
            (size - pad - (lat - s) / span * (size - 2.0 * pad)) as i32,
        )
    };
    let shapes = visits
        .iter()
        .filter(|v| v.status != VisitStatus::Cancelled)
        .map(|v| {
            let cust = match (v.customer_lat, v.customer_lng) {
                (Some(a), Some(b)) => Some(xy(a, b)),
                _ => None,
            };
            let ci = v.check_in.as_ref().map(|c| {
                (
                    xy(c.lat, c.lng),
                    !c.assessment.flags.is_empty(),
                )
            });
            let name = v.customer_name.clone().unwrap_or_default();
            view! {
                <g>
                    <title>{name}</title>
                    {match (cust, ci) {
                        (Some((x1, y1)), Some(((x2, y2), _))) => Some(view! {
                            <line x1=x1 y1=y1 x2=x2 y2=y2 class="plot-link"/>
                        }),
                        _ => None,
                    }}
                    {cust.map(|(x, y)| view! { <circle cx=x cy=y r="16" class="plot-customer"/> })}
                    {ci.map(|((x, y), flagged)| view! {
                        <circle cx=x cy=y r="13" class=if flagged { "plot-check-in flagged" } else { "plot-check-in" }/>
                    })}
                </g>
            }
        })
        .collect_view();
    Some(view! {
        <figure class="card plot" data-testid="visit-plot">
            <svg viewBox="0 0 1000 1000" role="img" aria-label=move || i18n.t(VisitText::Plot)>{shapes}</svg>
            <figcaption class="muted small">{move || i18n.t(VisitText::PlotHelp)}</figcaption>
        </figure>
    })
}
