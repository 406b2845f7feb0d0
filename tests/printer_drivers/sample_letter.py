"""A realistic one-page A4 letter (surat keterangan) as PDF bytes, made with WeasyPrint.

Used by the tests and by benchmarks/printing.py. The letter carries a verification QR
code so a test can check that the QR is still readable after the letter went through
a printer path (CUPS re-rendering, thermal rasterisation).
"""

from __future__ import annotations

import base64
import io
from html import escape

import qrcode
import qrcode.constants

VERIFY_PAYLOAD = "HTTPS://DESA.EXAMPLE/V/1/K7Q2M9XR4T8WZB3N"

LETTER_TEXT_MARKERS = (
    "SURAT KETERANGAN DOMISILI",
    "Sukamaju",
    "bertempat tinggal",
)


def _qr_data_uri(payload: str) -> str:
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=8, border=4)
    qr.add_data(payload)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def letter_html(verify_payload: str = VERIFY_PAYLOAD) -> str:
    rows = [
        ("Nama", "SITI NURHALIZA"),
        ("Tempat/Tgl. Lahir", "Serang, 17 Agustus 1990"),
        ("Jenis Kelamin", "Perempuan"),
        ("Pekerjaan", "Wiraswasta"),
        ("Alamat", "Kp. Sukamaju RT 003/RW 002, Desa Sukamaju"),
    ]
    table = "".join(
        f"<tr><td class='k'>{escape(k)}</td><td>:</td><td>{escape(v)}</td></tr>" for k, v in rows
    )
    return f"""<!doctype html>
<html lang="id"><head><meta charset="utf-8"><style>
  @page {{ size: A4; margin: 20mm 22mm; }}
  body {{ font-family: "DejaVu Serif", serif; font-size: 11.5pt; line-height: 1.45; }}
  .kop {{ text-align: center; border-bottom: 3px double #000; padding-bottom: 4mm; }}
  .kop h1 {{ font-size: 15pt; margin: 0; }}
  .kop h2 {{ font-size: 13pt; margin: 0; }}
  .kop p {{ margin: 0; font-size: 10pt; }}
  h3 {{ text-align: center; text-decoration: underline; margin: 8mm 0 0; font-size: 13pt; }}
  .nomor {{ text-align: center; margin: 0 0 6mm; }}
  td.k {{ width: 45mm; }}
  .ttd {{ margin-left: 95mm; margin-top: 10mm; }}
  .qr {{ position: absolute; left: 0; bottom: 0; width: 30mm; }}
  .qr img {{ width: 30mm; }}
  .qr p {{ font-size: 8pt; margin: 0; }}
</style></head><body>
<div class="kop">
  <h1>PEMERINTAH KABUPATEN SERANG</h1>
  <h2>KECAMATAN CIRUAS &mdash; DESA SUKAMAJU</h2>
  <p>Jl. Raya Sukamaju No. 1, Kode Pos 42182</p>
</div>
<h3>SURAT KETERANGAN DOMISILI</h3>
<p class="nomor">Nomor: 400.12.2.2/007/DS-2004/III/2026</p>
<p>Yang bertanda tangan di bawah ini, Kepala Desa Sukamaju, Kecamatan Ciruas,
Kabupaten Serang, menerangkan bahwa:</p>
<table>{table}</table>
<p>Orang tersebut di atas benar-benar bertempat tinggal di Desa Sukamaju sejak tahun
2015 sampai dengan sekarang. Surat keterangan ini dibuat untuk keperluan
&ldquo;pendaftaran usaha mikro&rdquo; dan berlaku selama 3 (tiga) bulan.</p>
<p>Demikian surat keterangan ini dibuat dengan sebenarnya untuk dipergunakan
sebagaimana mestinya.</p>
<div class="ttd">
  <p>Sukamaju, 12 Maret 2026<br>Kepala Desa Sukamaju</p>
  <br><br><br>
  <p><b><u>H. AHMAD SUBAGJA</u></b></p>
</div>
<div class="qr"><img src="{_qr_data_uri(verify_payload)}"><p>Pindai untuk memeriksa
keaslian surat.</p></div>
</body></html>"""


def make_letter_pdf(verify_payload: str = VERIFY_PAYLOAD) -> bytes:
    import weasyprint

    return weasyprint.HTML(string=letter_html(verify_payload)).write_pdf()
