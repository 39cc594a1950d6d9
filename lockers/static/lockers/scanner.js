/* The camera scanner of the courier app and the kiosk (docs/decisions/0008-courier-scanner.md).
 *
 *   import { startScanner } from "./scanner.js";
 *   const scanner = await startScanner({ video, onCode, onError });
 *   ...
 *   scanner.stop();
 *
 * Opens the rear camera (getUserMedia; `facingMode: "user"` for a kiosk whose camera faces
 * the person instead), shows it in `video`, and reads QR codes from it a
 * few times a second: with the browser's BarcodeDetector when it has one that reads
 * qr_code, else with the QR decoder we bundle (vendor/zxing-qr.min.js, loaded only then).
 * Nothing is read while the page is hidden. `onCode(text)` is called once per distinct
 * code. When the camera cannot be opened (refused, absent, busy) or the decoder fails,
 * `onError(error)` is called; `error.name` says why ("NotAllowedError": refused;
 * "NotFoundError" or "OverconstrainedError": no camera; "NotSupportedError": this browser
 * has no camera access at all, e.g. a page not served over HTTPS).
 *
 * Resolves to { stop(), mode } (mode: "native" or "bundled"), or to null when the camera
 * could not be opened (after onError). Typing the code must always stay possible: this
 * module only helps.
 */

const DEFAULT_DECODER_URL = new URL("./vendor/zxing-qr.min.js", import.meta.url).href;
// Frames larger than this are scaled down before the bundled decoder reads them.
const MAX_SIDE = 800;

function error(name, message) {
  const failure = new Error(message);
  failure.name = name;
  return failure;
}

async function nativeDetector() {
  if (typeof globalThis.BarcodeDetector !== "function") {
    return null;
  }
  try {
    const formats = await globalThis.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) {
      return null;
    }
    return new globalThis.BarcodeDetector({ formats: ["qr_code"] });
  } catch (_failure) {
    return null;
  }
}

/* A function video -> Promise<string | null> that reads one frame. */
async function frameReader(decoderUrl) {
  const detector = await nativeDetector();
  if (detector) {
    const read = async (video) => {
      const [first] = await detector.detect(video);
      return first ? first.rawValue : null;
    };
    return { mode: "native", read };
  }
  const { decodeQr } = await import(decoderUrl);
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  const read = async (video) => {
    const width = video.videoWidth;
    const height = video.videoHeight;
    if (!width || !height) {
      return null;
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    context.drawImage(video, 0, 0, canvas.width, canvas.height);
    return decodeQr(context.getImageData(0, 0, canvas.width, canvas.height));
  };
  return { mode: "bundled", read };
}

export async function startScanner({
  video,
  onCode,
  onError = () => {},
  framesPerSecond = 4,
  decoderUrl = DEFAULT_DECODER_URL,
  facingMode = "environment",
}) {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    onError(error("NotSupportedError", "This browser gives no access to a camera."));
    return null;
  }
  let stream;
  let reader;
  try {
    // The decoder first: if it cannot load, the camera is not opened for nothing.
    reader = await frameReader(decoderUrl);
    stream = await navigator.mediaDevices.getUserMedia({
      audio: false,
      video: { facingMode: { ideal: facingMode } },
    });
  } catch (failure) {
    onError(failure);
    return null;
  }

  video.muted = true;
  video.playsInline = true;
  video.setAttribute("playsinline", "");
  video.srcObject = stream;
  try {
    await video.play();
  } catch (_failure) {
    // Autoplay rules may refuse play() until the next gesture; frames still arrive
    // for most browsers once the user taps. The loop below waits for them.
  }

  const seen = new Set();
  let stopped = false;
  let timer = null;
  const interval = Math.max(50, Math.round(1000 / framesPerSecond));

  function schedule() {
    if (!stopped && !document.hidden && timer === null) {
      timer = setTimeout(tick, interval);
    }
  }

  async function tick() {
    timer = null;
    if (stopped || document.hidden) {
      return;
    }
    try {
      if (video.readyState >= video.HAVE_CURRENT_DATA) {
        const text = await reader.read(video);
        if (text && !stopped && !seen.has(text)) {
          seen.add(text);
          onCode(text);
        }
      }
    } catch (failure) {
      onError(failure);
    }
    schedule();
  }

  function visibility() {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      schedule();
    }
  }

  function stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    clearTimeout(timer);
    timer = null;
    document.removeEventListener("visibilitychange", visibility);
    for (const track of stream.getTracks()) {
      track.stop();
    }
    video.pause();
    video.srcObject = null;
  }

  document.addEventListener("visibilitychange", visibility);
  schedule();
  return { stop, mode: reader.mode };
}
