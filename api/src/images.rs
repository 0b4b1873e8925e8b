//! Photos as Kaidan keeps them: the type sniffed from the bytes (JPEG, PNG or WebP, whatever the
//! client called it), decoded under limits, turned upright by its EXIF orientation, resized to at
//! most 1600 px for display and 320 px for lists, and re-encoded as JPEG. Re-encoding writes
//! pixels only, so nothing of the original's metadata survives: no EXIF, no GPS position, no
//! camera serial. The work runs on a blocking thread behind a semaphore, so a burst of uploads
//! waits for a turn instead of taking the request workers from everyone else.

use std::io::Cursor;
use std::sync::Arc;
use std::time::{Duration, Instant};

use image::codecs::jpeg::JpegEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits};
use kaidan_shared::{ErrorCode, FieldCode};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// The longest side of the display copy.
pub const DISPLAY_PX: u32 = 1600;
/// The longest side of the list thumbnail.
pub const THUMB_PX: u32 = 320;
/// The largest source image, per side (a 48-megapixel phone camera is 8000 × 6000).
pub const MAX_SIDE_PX: u32 = 12_000;
/// The most pixels a source image may have, whatever its sides.
pub const MAX_PIXELS: u64 = 50_000_000;
// A 48-megapixel phone photo (8000 × 6000) is not too large.
const _: () = assert!(MAX_PIXELS >= 8_000 * 6_000);
/// The most memory one decoded source image may take (an 8-bit RGBA 50-megapixel image is
/// 200 MB; a 16-bit one of the same size is refused rather than decoded into 400 MB).
pub const MAX_DECODED_BYTES: u64 = 256 * 1024 * 1024;
const JPEG_QUALITY: u8 = 82;

/// A photo ready to keep.
pub struct Processed {
    pub display: Vec<u8>,
    pub thumb: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// Why the bytes are not a photo Kaidan keeps.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Not JPEG, PNG or WebP (by content).
    NotAnImage,
    /// An image of a supported type that does not decode.
    Unreadable,
    /// Larger than a photo is (sides, pixels or decoded bytes).
    TooLarge,
}

/// Decodes, turns upright, resizes and re-encodes (blocking: call through [`ImagePool`]).
pub fn process(bytes: &[u8]) -> Result<Processed, Refusal> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| Refusal::NotAnImage)?;
    if !matches!(
        reader.format(),
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP)
    ) {
        return Err(Refusal::NotAnImage);
    }
    let mut reader = reader;
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE_PX);
    limits.max_image_height = Some(MAX_SIDE_PX);
    limits.max_alloc = Some(512 * 1024 * 1024);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(|e| match e {
        image::ImageError::Limits(_) => Refusal::TooLarge,
        _ => Refusal::Unreadable,
    })?;
    // `Limits::max_alloc` is not checked on this path (only `ImageReader::decode` checks it), so
    // the budget is checked here, from the header, before a byte of pixels is allocated: a
    // 1 MB PNG of zeros can declare gigabytes.
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > MAX_PIXELS || decoder.total_bytes() > MAX_DECODED_BYTES {
        return Err(Refusal::TooLarge);
    }
    let orientation = decoder.orientation().ok();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| Refusal::Unreadable)?;
    if let Some(o) = orientation {
        img.apply_orientation(o);
    }
    let display = if img.width().max(img.height()) > DISPLAY_PX {
        img.resize(
            DISPLAY_PX,
            DISPLAY_PX,
            image::imageops::FilterType::Triangle,
        )
    } else {
        img
    };
    let thumb = display.thumbnail(THUMB_PX, THUMB_PX);
    Ok(Processed {
        width: display.width(),
        height: display.height(),
        display: jpeg(&display)?,
        thumb: jpeg(&thumb)?,
    })
}

fn jpeg(img: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    // JPEG has no alpha: a PNG's transparency is flattened onto black, as browsers show it.
    let rgb = img.to_rgb8();
    JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
        .encode_image(&rgb)
        .map_err(|_| Refusal::Unreadable)?;
    Ok(out)
}

/// The bounded pool the image work runs on: threads of their own, at most `workers` photos at
/// once, that give the CPU up to any request that wants it. A 4 MB camera photo is over a hundred
/// milliseconds of CPU (one resized on the phone, as the app sends them, tens); twenty phones
/// uploading at once on a two-core server would otherwise take the cores from everyone else's
/// requests.
///
/// On Linux the workers run under `SCHED_IDLE`, the scheduler's lowest weight: a request thread
/// that wakes on their core preempts them at once. `nice` 10 (the first version) was not enough:
/// the kernel's EEVDF scheduler lets a niced thread finish its time slice (a few ms) before a
/// woken request thread runs, and on PostgreSQL, where one list request is several wake-ups
/// (worker, database backend, worker), a single niced busy thread doubled the list's p99 at half
/// load (× 2.07); the same thread under `SCHED_IDLE`, × 1.01 (`scripts/bench`,
/// docs/benchmarks.md 2026-11-28 (night)). That alone still left × 2.1–2.5 with twenty uploads
/// (the image thread filled every gap between requests, and a request that woke found its core
/// taken and its caches cold). So each worker also rests after a photo for as long as the photo
/// took, wall time, its waits for a core included — the busier the cores, the longer the rest, up
/// to [`MAX_REST`]: × 1.37–1.73, the uploads slowed by a third (149–155 photos in the case's
/// windows against 239).
///
/// The cost: on a server whose cores are saturated by requests, photos wait until a core idles
/// — the uploads slow down, the lists do not; and an idle server resizes photos at half a core
/// per worker. Tokio's blocking pool is not used for this: its threads also serve file reads,
/// which must keep the normal priority. Elsewhere than Linux (development machines) the workers
/// keep the normal priority: `setpriority` there would lower the whole server's.
#[derive(Clone)]
pub struct ImagePool {
    permits: Arc<Semaphore>,
    jobs: std::sync::mpsc::Sender<Job>,
}

type Job = Box<dyn FnOnce() + Send>;

/// The longest rest after a photo.
pub const MAX_REST: Duration = Duration::from_secs(2);

impl ImagePool {
    /// `workers` at once; 0: half the machine's cores, at least one. The threads end when the
    /// last handle of the pool is dropped.
    pub fn new(workers: usize) -> ImagePool {
        let workers = match workers {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get() / 2),
            n => n,
        }
        .max(1);
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for n in 0..workers {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("kaidan-image-{n}"))
                .spawn(move || worker(&queue))
                .expect("the image workers' threads start");
        }
        ImagePool {
            permits: Arc::new(Semaphore::new(workers)),
            jobs,
        }
    }

    /// Processes a photo when a worker is free; a refusal is a 422 on `file`.
    pub async fn process(&self, bytes: Vec<u8>) -> AppResult<Processed> {
        // The permit goes with the work and its rest: a request dropped mid-decode does not free
        // its slot while the decode still runs, and a photo waits here, not in the workers'
        // queue, until a worker is free.
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| AppError::internal(anyhow::anyhow!("image pool closed: {e}")))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                let _permit = permit;
                let started = Instant::now();
                let _ = tx.send(process(&bytes));
                // The answer is on its way; then the rest (see the pool's comment).
                std::thread::sleep(started.elapsed().min(MAX_REST));
            }))
            .map_err(|_| AppError::internal(anyhow::anyhow!("image pool closed")))?;
        // A panic in the decoder drops the sender: a 500, and the worker goes on.
        let done = rx
            .await
            .map_err(|_| AppError::internal(anyhow::anyhow!("image worker failed")))?;
        done.map_err(|r| {
            let message = match r {
                Refusal::NotAnImage => "a JPEG, PNG or WebP image",
                Refusal::Unreadable => "an image that decodes",
                Refusal::TooLarge => "at most 12000 px a side and 50 megapixels",
            };
            AppError::field("file", FieldCode::InvalidFormat, message)
        })
    }
}

/// One image worker: at the idle priority, one job after another until the pool is gone.
fn worker(queue: &std::sync::Mutex<std::sync::mpsc::Receiver<Job>>) {
    lower_priority();
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        // A decoder's panic ends that job (its answer is a 500), not the worker.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Puts this thread under `SCHED_IDLE` (Linux: per thread, and no privilege is needed to lower
/// one's own priority).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        use thread_priority::{
            set_thread_priority_and_policy, thread_native_id, thread_schedule_policy,
            NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        };
        let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
        if let Err(e) =
            set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle)
        {
            // The crate also sets a nice value after the policy, which a server started at a
            // higher nice may not be allowed to; the policy is what counts.
            if thread_schedule_policy().ok() != Some(idle) {
                tracing::warn!(error = ?e, "the image worker keeps the normal priority");
            }
        }
    }
}

/// 413 for an upload over the limit.
pub fn too_large(limit: usize) -> AppError {
    AppError::new(ErrorCode::PayloadTooLarge)
        .with_detail(format!("a file may be at most {limit} bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgb, RgbImage};

    fn encoded(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_large_png_becomes_a_display_jpeg_and_a_thumbnail() {
        let img = RgbImage::from_pixel(3200, 1600, Rgb([200, 40, 40]));
        let p = process(&encoded(&img, ImageFormat::Png)).unwrap();
        assert_eq!((p.width, p.height), (1600, 800));
        assert_eq!(image::guess_format(&p.display).unwrap(), ImageFormat::Jpeg);
        let t = image::load_from_memory(&p.thumb).unwrap();
        assert_eq!((t.width(), t.height()), (320, 160));
    }

    /// CRC-32 (IEEE) of a PNG chunk's type and data.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    }

    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
        out
    }

    #[test]
    fn a_small_file_that_declares_a_huge_image_is_refused_before_decoding() {
        // A PNG whose header declares 11000 × 11000 16-bit RGBA (968 MB decoded) in a few
        // bytes: refused from the header, before any pixel buffer exists.
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&11_000u32.to_be_bytes());
        ihdr.extend_from_slice(&11_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[16, 6, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(chunk(b"IHDR", &ihdr));
        png.extend(chunk(
            b"IDAT",
            &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        png.extend(chunk(b"IEND", &[]));
        assert_eq!(process(&png).err(), Some(Refusal::TooLarge));
    }

    #[test]
    fn what_is_not_a_photo_is_refused_by_content() {
        assert_eq!(
            process(b"%PDF-1.7 not a photo").err(),
            Some(Refusal::NotAnImage)
        );
        // A GIF (its header is enough: GIF is not a photo format Kaidan keeps).
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!";
        assert_eq!(process(gif).err(), Some(Refusal::NotAnImage));
        // A JPEG's magic bytes and nothing after them.
        assert_eq!(
            process(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0]).err(),
            Some(Refusal::Unreadable)
        );
    }

    /// The pool's threads run at the lower priority, and a photo goes through them.
    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn the_workers_yield_the_cpu_to_requests() {
        let pool = ImagePool::new(2);
        let img = RgbImage::from_pixel(64, 48, Rgb([200, 10, 10]));
        let done = pool.process(encoded(&img, ImageFormat::Png)).await.unwrap();
        assert_eq!((done.width, done.height), (64, 48));
        let mut workers = 0;
        for task in std::fs::read_dir("/proc/self/task").unwrap() {
            let dir = task.unwrap().path();
            let comm = std::fs::read_to_string(dir.join("comm")).unwrap_or_default();
            if !comm.starts_with("kaidan-image-") {
                continue;
            }
            let stat = std::fs::read_to_string(dir.join("stat")).unwrap();
            assert_eq!(policy(&stat), SCHED_IDLE, "{comm}");
            workers += 1;
        }
        assert!(workers >= 2, "{workers} image workers found");
        // The request side keeps the normal policy.
        let me = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
        assert_eq!(policy(&me), SCHED_NORMAL);
    }

    #[cfg(target_os = "linux")]
    const SCHED_NORMAL: u32 = 0;
    #[cfg(target_os = "linux")]
    const SCHED_IDLE: u32 = 5;

    /// A thread's scheduling policy from its `/proc/…/stat`: field 41, counted from the pid.
    #[cfg(target_os = "linux")]
    fn policy(stat: &str) -> u32 {
        // The fields after the command's closing parenthesis start at field 3.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        after.split(' ').nth(41 - 3).unwrap().parse().unwrap()
    }
}
