/* The QR decoder of the courier app and the kiosk, for browsers without BarcodeDetector:
 * ZXing's QR reader alone (@zxing/library, Apache-2.0), pure JavaScript — no WebAssembly,
 * no worker, no network. scripts/vendor-assets.sh bundles this file with esbuild into
 * lockers/static/lockers/vendor/zxing-qr.min.js, an ES module that exports one function.
 *
 *   decodeQr(imageData) -> string | null
 *
 * imageData: an ImageData (a canvas's pixels, RGBA). Answers the text of the QR code seen,
 * or null when there is none (or it cannot be read in this frame). */
import BinaryBitmap from "@zxing/library/esm/core/BinaryBitmap";
import ChecksumException from "@zxing/library/esm/core/ChecksumException";
import HybridBinarizer from "@zxing/library/esm/core/common/HybridBinarizer";
import DecodeHintType from "@zxing/library/esm/core/DecodeHintType";
import FormatException from "@zxing/library/esm/core/FormatException";
import NotFoundException from "@zxing/library/esm/core/NotFoundException";
import QRCodeReader from "@zxing/library/esm/core/qrcode/QRCodeReader";
import RGBLuminanceSource from "@zxing/library/esm/core/RGBLuminanceSource";

const reader = new QRCodeReader();
const hints = new Map([[DecodeHintType.TRY_HARDER, true]]);

function luminances(data, width, height) {
  // 8-bit grey, the way ZXing weighs channels (green twice).
  const out = new Uint8ClampedArray(width * height);
  for (let i = 0, j = 0; j < out.length; i += 4, j += 1) {
    out[j] = (data[i] + 2 * data[i + 1] + data[i + 2]) >> 2;
  }
  return out;
}

export function decodeQr(imageData) {
  const { data, width, height } = imageData;
  const source = new RGBLuminanceSource(luminances(data, width, height), width, height);
  try {
    return reader.decode(new BinaryBitmap(new HybridBinarizer(source)), hints).getText();
  } catch (error) {
    if (
      error instanceof NotFoundException ||
      error instanceof ChecksumException ||
      error instanceof FormatException
    ) {
      return null;
    }
    throw error;
  } finally {
    reader.reset();
  }
}
