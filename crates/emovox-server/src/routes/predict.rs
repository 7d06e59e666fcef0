//! `POST /v1/predict`: one audio file as the body, or several as a multipart form.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRequest, Multipart, Query, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::Json;
use bytes::Bytes;
use emovox::audio::Channels;
use serde_json::{json, Value};

use crate::decode::{decode_clip, AudioBudget, ChannelQuery};
use crate::limits::{check_declared_length, read_body, InFlightSlot};
use crate::windows::probabilities_json;
use crate::{ApiError, AppState};

/// Classifies the body (any format emovox decodes, told from the content) and answers
/// `label`, `confidence`, `probabilities`, `novelty`, `unfamiliar`, `quality` (the recording's
/// clipping, noise, band and speech, [`emovox::audio::assess`], with its `concerns`),
/// `duration` and `model`. A `multipart/form-data`
/// body is a batch: every part is classified and answered in `results`, in order, each with
/// its `name` and either a prediction or an `error`; a bad part does not fail the others. A
/// batch holds at most `max_parts` files (413 `too_many_parts`), and `max_batch_seconds` of
/// audio in all (the parts past it are each a 413 `batch_too_long` error). `?channel=N`
/// classifies one channel of every file instead of the channels' mean.
pub async fn predict(
    State(state): State<AppState>,
    query: Result<Query<ChannelQuery>, QueryRejection>,
    request: Request,
) -> Result<Json<Value>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let channels = query.channels();
    let slot = InFlightSlot::of(&request);
    check_declared_length(request.body(), state.config.max_body_bytes)?;
    let multipart = request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(is_multipart);
    if multipart {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(|e| ApiError::BadRequest(e.body_text()))?;
        return predict_parts(state, form, channels, slot).await;
    }
    let config = &state.config;
    let bytes = read_body(
        request.into_body(),
        config.max_body_bytes,
        config.body_timeout(),
    )
    .await?;
    let mut answer = classify(&state, (bytes, channels), slot, None).await?;
    answer["model"] = json!(state.model.id);
    Ok(Json(answer))
}

/// Decodes the `channels` of one file and classifies them on the CPU pool; the job holds the
/// request's in-flight `slot` until it is done or skipped. A part of a batch decodes within
/// the batch's `budget`.
async fn classify(
    state: &AppState,
    (bytes, channels): (Bytes, Channels),
    slot: Option<InFlightSlot>,
    budget: Option<Arc<AudioBudget>>,
) -> Result<Value, ApiError> {
    let classifier = state.classifier.clone();
    let max_seconds = state.config.max_clip_seconds;
    let (prediction, quality, duration) = state
        .cpu
        .run(move || -> Result<_, ApiError> {
            let _slot = slot;
            let audio = match budget {
                Some(budget) => budget.decode(bytes, channels, max_seconds)?,
                None => decode_clip(bytes, channels, max_seconds)?,
            };
            let duration = audio.duration_seconds();
            let prediction = classifier.predict(&audio.samples, audio.sample_rate)?;
            // The classifier accepted these samples; `assess` refuses only what it refuses.
            let quality = emovox::audio::assess(&audio.samples, audio.sample_rate)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok((prediction, quality, duration))
        })
        .await??;
    state.metrics.record_audio("/v1/predict", duration);
    let probabilities: Vec<f32> = prediction.probabilities.iter().map(|(_, p)| *p).collect();
    Ok(json!({
        "label": prediction.label,
        "confidence": prediction.confidence,
        "probabilities": probabilities_json(state.classifier.labels(), &probabilities),
        "novelty": prediction.novelty,
        "unfamiliar": prediction.unfamiliar,
        "quality": quality_json(&quality),
        "duration": duration,
    }))
}

/// A recording's quality as answered: its measures, and `concerns` by name.
fn quality_json(quality: &emovox::audio::RecordingQuality) -> Value {
    let mut value = json!(quality);
    let concerns: Vec<&str> = quality.concerns().iter().map(|c| c.name()).collect();
    value["concerns"] = json!(concerns);
    value
}

/// The multipart batch: reads the parts within the body limits and the number of parts,
/// then classifies each within the batch's audio budget.
async fn predict_parts(
    state: AppState,
    mut form: Multipart,
    channels: Channels,
    slot: Option<InFlightSlot>,
) -> Result<Json<Value>, ApiError> {
    let timeout = state.config.body_timeout();
    let limit = state.config.max_body_bytes;
    let max_parts = state.config.max_parts;
    let read_all = async {
        let mut parts = Vec::new();
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| multipart_error(e, limit))?
        {
            if parts.len() == max_parts {
                return Err(ApiError::TooManyParts { limit: max_parts });
            }
            let name = field.file_name().or(field.name()).unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| multipart_error(e, limit))?;
            parts.push((name, bytes));
        }
        Ok::<_, ApiError>(parts)
    };
    let parts = tokio::time::timeout(timeout, read_all)
        .await
        .map_err(|_| ApiError::Timeout {
            seconds: timeout.as_secs_f64(),
        })??;
    if parts.is_empty() {
        return Err(ApiError::BadRequest(
            "the multipart form holds no file".into(),
        ));
    }
    let budget = Arc::new(AudioBudget::new(state.config.max_batch_seconds));
    let answers = futures_util::future::join_all(parts.into_iter().map(|(name, bytes)| {
        let (state, slot, budget) = (&state, slot.clone(), Some(budget.clone()));
        async move {
            let mut answer = match classify(state, (bytes, channels), slot, budget).await {
                Ok(answer) => answer,
                Err(err) => json!({ "error": err.body(), "status": err.status().as_u16() }),
            };
            answer["name"] = json!(name);
            answer
        }
    }))
    .await;
    Ok(Json(json!({ "model": state.model.id, "results": answers })))
}

/// Whether a `Content-Type` value is `multipart/form-data` (a MIME type is case-insensitive,
/// its parameters follow a `;`).
fn is_multipart(content_type: &str) -> bool {
    let mime = content_type.split(';').next().unwrap_or("");
    mime.trim().eq_ignore_ascii_case("multipart/form-data")
}

/// A multipart failure: the body limit (413) or a malformed form (400).
fn multipart_error(err: axum::extract::multipart::MultipartError, limit: usize) -> ApiError {
    if err.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::BodyTooLarge { limit }
    } else {
        ApiError::BadRequest(format!("malformed multipart form: {}", err.body_text()))
    }
}
