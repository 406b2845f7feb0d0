"""Everything the kiosk says, in Bahasa Indonesia first and English second.

Screens call ``app.tr(key, app.lang)`` in .kv so that a language switch re-renders them.
Words are plain: many residents use a touchscreen here for the first time.
"""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # top bar and banners
    "app_title": ("Loket Desa", "Village Counter"),
    "lang_switch": ("English", "Bahasa Indonesia"),
    "server_offline": (
        "Server kantor desa tidak terhubung. Mencoba lagi otomatis…",
        "The village office server is not reachable. Retrying automatically…",
    ),
    "printer_problem": ("Printer bermasalah: {detail}", "Printer problem: {detail}"),
    "touch_to_start": ("Sentuh tombol untuk mulai", "Touch a button to start"),
    # home
    "home_welcome": ("Selamat datang di {village}", "Welcome to {village}"),
    "home_pickup": ("Ambil Surat\n(pindai QR)", "Collect a Letter\n(scan QR)"),
    "home_new": ("Buat Permohonan", "New Request"),
    "home_status": ("Cek Status", "Check Status"),
    "home_queue": ("Ambil Nomor Antrean", "Take a Queue Number"),
    "home_hint": (
        "Butuh bantuan? Silakan tanya petugas di loket.",
        "Need help? Please ask the staff at the counter.",
    ),
    # scan
    "scan_title_pickup": ("Ambil Surat", "Collect a Letter"),
    "scan_title_status": ("Cek Status Permohonan", "Check Request Status"),
    "scan_hint": (
        "Arahkan kode QR ke kamera, di dalam kotak.\nAtau pakai alat pemindai di bawah layar.",
        "Hold the QR code up to the camera, inside the frame.\nOr use the scanner below.",
    ),
    "scan_hint_nocam": (
        "Tempelkan kode QR ke alat pemindai,\natau sentuh Ketik Kode.",
        "Hold the QR code to the scanner,\nor touch Type the Code.",
    ),
    "scan_no_camera": (
        "Kamera tidak tersedia.\nPakai alat pemindai atau ketik kode.",
        "No camera.\nUse the scanner or type the code.",
    ),
    "scan_type_code": ("Ketik Kode", "Type the Code"),
    "scan_checking": ("Memeriksa kode…", "Checking the code…"),
    "back": ("Kembali", "Back"),
    "home": ("Beranda", "Home"),
    "done": ("Selesai", "Done"),
    "cancel": ("Batal", "Cancel"),
    "retry": ("Coba Lagi", "Try Again"),
    "scan_again": ("Pindai Kode Lain", "Scan Another Code"),
    "ok": ("OK", "OK"),
    # manual entry
    "entry_title": ("Ketik Kode dari Tiket", "Type the Code from Your Ticket"),
    "entry_code": ("Kode (8 huruf/angka)", "Code (8 letters/digits)"),
    "entry_secret": ("Kode rahasia (26 huruf/angka)", "Secret (26 letters/digits)"),
    "entry_submit": ("Periksa", "Check"),
    "entry_bad": (
        # Tickets printed before issue 16 carry 32; those are taken too.
        "Kode harus 8 huruf/angka dan kode rahasia 26 (tiket lama: 32) huruf/angka, "
        "seperti di tiket.",
        "The code has 8 characters and the secret 26 (older tickets: 32), as printed "
        "on the ticket.",
    ),
    # result
    "result_title": ("Hasil Pemeriksaan", "Result"),
    "result_print": ("Cetak Surat", "Print the Letter"),
    "result_letter": ("Surat: {title}", "Letter: {title}"),
    "result_code": ("Kode: {code}", "Code: {code}"),
    "result_status": ("Status: {label}", "Status: {label}"),
    "result_submitted": ("Diajukan: {when}", "Submitted: {when}"),
    "result_correction": ("Pesan petugas: {msg}", "Message from the staff: {msg}"),
    "result_rejection": ("Alasan: {msg}", "Reason: {msg}"),
    "result_garbage": (
        "Kode QR tidak terbaca dengan benar. Coba lagi, atau tanya petugas.",
        "The QR code could not be read correctly. Try again or ask the staff.",
    ),
    "result_offline_wait": (
        "Server belum terhubung. Kode Anda disimpan dan dicoba lagi otomatis…",
        "The server is not reachable yet. Your code is kept and retried automatically…",
    ),
    "result_rate_limited": (
        "Terlalu banyak percobaan. Tunggu sebentar lalu coba lagi.",
        "Too many attempts. Please wait a moment and try again.",
    ),
    "result_filed_print": (
        "Permohonan Anda sudah tercatat. Tiket dicetak.",
        "Your request has been filed. Ticket printed.",
    ),
    # printing
    "printing_title": ("Mencetak Surat", "Printing Your Letter"),
    "printing_check": ("Memeriksa printer…", "Checking the printer…"),
    "printing_download": ("Mengambil surat dari server…", "Fetching the letter…"),
    "printing_send": ("Mencetak… mohon tunggu", "Printing… please wait"),
    "printing_confirm": ("Menyelesaikan…", "Finishing…"),
    "printing_ok": ("Silakan ambil surat Anda", "Please take your letter"),
    "printing_ok_detail": (
        "Surat nomor {number} sudah dicetak. Terima kasih.",
        "Letter number {number} has been printed. Thank you.",
    ),
    "printing_failed": ("Surat belum bisa dicetak", "The letter could not be printed"),
    "printing_failed_next": (
        "Surat Anda tetap aman dan siap diambil. Silakan hubungi petugas di loket.",
        "Your letter is safe and still ready. Please ask the staff at the counter.",
    ),
    "printing_failed_ticket": (
        "Tiket untuk petugas sudah dicetak.",
        "A ticket for the staff has been printed.",
    ),
    "printing_failed_noticket": (
        "Sebutkan kode {code} kepada petugas.",
        "Tell the staff your code {code}.",
    ),
    "printer_offline": ("Printer tidak menyala atau tidak terhubung.", "The printer is offline."),
    "printer_paper_out": ("Kertas printer habis.", "The printer is out of paper."),
    "printer_error": ("Printer mengalami gangguan.", "The printer has a fault."),
    "printer_none": ("Printer belum diatur.", "No printer is configured."),
    "letter_damaged": ("Berkas surat rusak saat diunduh.", "The letter file was damaged."),
    # catalog and form
    "catalog_title": ("Pilih Jenis Surat", "Choose a Letter Type"),
    "catalog_loading": ("Memuat daftar surat…", "Loading letter types…"),
    "catalog_empty": (
        "Belum ada surat yang bisa diajukan di anjungan.",
        "No letters can be requested at the kiosk yet.",
    ),
    "form_title": ("Isi Data: {title}", "Fill In: {title}"),
    "form_nik": ("NIK (16 angka, lihat KTP)", "NIK (16 digits, on your ID card)"),
    "form_name": ("Nama lengkap (sesuai KTP)", "Full name (as on your ID card)"),
    "form_phone": ("Nomor HP (boleh kosong)", "Phone number (optional)"),
    "form_required": ("wajib", "required"),
    "form_submit": ("Kirim Permohonan", "Send Request"),
    "form_next": ("Berikutnya", "Next"),
    "form_sending": ("Mengirim…", "Sending…"),
    "form_docs": ("Bawa dokumen: {docs}", "Bring: {docs}"),
    "form_fix": ("Periksa isian yang bertanda merah.", "Please check the fields marked red."),
    "form_err_required": ("{label} wajib diisi.", "{label} is required."),
    "form_err_nik": ("NIK harus 16 angka.", "NIK must be 16 digits."),
    "form_err_long": ("{label} terlalu panjang.", "{label} is too long."),
    "form_err_date": (
        "Tanggal ditulis HH-BB-TTTT, contoh 17-08-1990.",
        "Write the date as DD-MM-YYYY, e.g. 17-08-1990.",
    ),
    "form_err_number": ("{label} harus angka.", "{label} must be a number."),
    "form_err_phone": ("Nomor HP tidak valid.", "The phone number is not valid."),
    "form_date_hint": ("HH-BB-TTTT", "DD-MM-YYYY"),
    "form_choose": ("Pilih…", "Choose…"),
    # pickup ticket (request filed)
    "ticket_title": ("Permohonan Terkirim", "Request Sent"),
    "ticket_title_again": ("Permohonan Sudah Terkirim", "Request Already Sent"),
    "ticket_again": (
        "Kode QR ini sudah pernah dikirim. Tiket ini sama dengan tiket pertama Anda, "
        "dan tiket pertama itu tetap berlaku.",
        "This QR code was sent before. This ticket is the same as your first one, "
        "which stays valid.",
    ),
    "ticket_body": (
        "Simpan tiket ini. Pindai kode QR di anjungan untuk mengambil surat jika sudah siap.",
        "Keep this ticket. Scan its QR code at the kiosk to collect the letter when ready.",
    ),
    "ticket_printed": ("Tiket sudah dicetak. Silakan ambil.", "Ticket printed. Please take it."),
    "ticket_not_printed": (
        "Tiket tidak bisa dicetak. Foto kode QR di layar ini dengan HP Anda, atau catat kodenya.",
        "The ticket could not be printed. Take a photo of this QR code with your phone, "
        "or write the code down.",
    ),
    "ticket_reprint": ("Cetak Ulang Tiket", "Print Ticket Again"),
    "ticket_photos": ("Foto Dokumen", "Photograph Documents"),
    # document photos (after filing)
    "photos_title": ("Foto Dokumen Persyaratan", "Photos of the Documents"),
    "photos_hint": (
        "Pegang dokumen di depan kamera, lalu sentuh nama dokumennya. "
        "Hanya petugas desa yang dapat melihat fotonya.",
        "Hold the document up to the camera, then touch its name. "
        "Only the village staff can see the photos.",
    ),
    "photos_loading": ("Memuat daftar dokumen…", "Loading the list of documents…"),
    "photos_sending": ("Mengirim foto…", "Sending the photo…"),
    "photos_count": ("{kind} · {n} foto terkirim", "{kind} · {n} sent"),
    "photos_sent": ("Foto {kind} terkirim.", "Photo of {kind} sent."),
    "photos_no_frame": (
        "Kamera belum siap. Tunggu sebentar lalu coba lagi.",
        "The camera is not ready yet. Wait a moment and try again.",
    ),
    # queue
    "queue_title": ("Nomor Antrean", "Queue Number"),
    "queue_taking": ("Mengambil nomor…", "Taking a number…"),
    "queue_number_is": ("Nomor antrean Anda", "Your queue number"),
    "queue_waiting": ("{n} orang sebelum Anda", "{n} people before you"),
    "queue_printed": (
        "Struk sudah dicetak. Silakan tunggu dipanggil.",
        "Receipt printed. Please wait to be called.",
    ),
    "queue_not_printed": (
        "Struk tidak bisa dicetak. Ingat atau foto nomor ini.",
        "The receipt could not be printed. Remember or photograph this number.",
    ),
    "queue_printer_down": (
        "Printer struk sedang bermasalah, nomor antrean belum diambil. Silakan ke petugas.",
        "The receipt printer has a problem; no number was taken. Please see the staff.",
    ),
    # receipts (printed)
    "rcpt_queue": ("NOMOR ANTREAN", "QUEUE NUMBER"),
    "rcpt_queue_follow": ("Pindai untuk melihat antrean", "Scan to follow the queue"),
    "rcpt_pickup": ("TIKET PERMOHONAN SURAT", "LETTER REQUEST TICKET"),
    "rcpt_pickup_hint": (
        "Pindai QR ini di anjungan untuk ambil surat.",
        "Scan this QR at the kiosk to collect the letter.",
    ),
    "rcpt_failed": ("SURAT BELUM TERCETAK", "LETTER NOT PRINTED"),
    "rcpt_failed_hint": (
        "Tunjukkan tiket ini ke petugas loket.",
        "Show this ticket to the counter staff.",
    ),
    "rcpt_code": ("Kode: {code}", "Code: {code}"),
    "rcpt_secret": ("Kode rahasia:", "Secret:"),
    "rcpt_status": ("Status: {label}", "Status: {label}"),
    "rcpt_reason": ("Sebab: {reason}", "Cause: {reason}"),
}


def tr(key: str, lang: str = "id", **kwargs: object) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**kwargs) if kwargs else text
