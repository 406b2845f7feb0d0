from datetime import date

import pytest

from office_server.residents.nik import NikError, validate_nik
from tests.support.factories import make_nik

TODAY = date(2026, 11, 28)


def test_valid_male_and_female() -> None:
    male = validate_nik(make_nik(date(1990, 8, 17)), today=TODAY)
    assert (male.birth_date, male.sex, male.province, male.regency) == (
        date(1990, 8, 17),
        "L",
        "Banten",
        "SERANG",
    )
    female = validate_nik(make_nik(date(1985, 2, 3), female=True), today=TODAY)
    assert (female.birth_date, female.sex) == (date(1985, 2, 3), "P")


def test_child_born_this_century_is_not_a_century_old() -> None:
    # python-stdnum would say 1915 here; the register has children born in 2015.
    assert validate_nik(make_nik(date(2015, 6, 1)), today=TODAY).birth_date == date(2015, 6, 1)


def test_separators_are_tolerated() -> None:
    assert validate_nik("3604 1217 0890 0001", today=TODAY).nik == "3604121708900001"


@pytest.mark.parametrize(
    ("value", "code", "words"),
    [
        ("", "empty", "wajib diisi"),
        ("36041217089O0001", "not_digits", "hanya boleh berisi angka"),
        ("360412170890000²", "not_digits", "hanya boleh berisi angka"),
        ("３６０４１２１７０８９０００１", "not_digits", "hanya boleh berisi angka"),
        ("360412170890001", "length", "harus 16 angka (yang diisi 15"),
        ("9904121708900001", "province", "provinsi"),
        ("3699121708900001", "regency", "kabupaten/kota"),
        ("3604001708900001", "district", "kecamatan"),
        ("3604123208900001", "birth_date", "ditambah 40"),
        ("3604121713900001", "birth_date", "Tanggal lahir"),
        ("3604127708900001", "birth_date", "Tanggal lahir"),
        ("3604121708900000", "serial", "0000"),
    ],
)
def test_each_failure_has_its_own_message(value: str, code: str, words: str) -> None:
    with pytest.raises(NikError) as info:
        validate_nik(value, today=TODAY)
    assert info.value.code == code
    assert words in info.value.message


def test_future_birth_date_goes_to_last_century_and_applicant_must_be_adult() -> None:
    # 01-01-27 would be in the future as 2027, so it is 1927: 99 years old.
    assert validate_nik("3604120101270001", today=TODAY).birth_date == date(1927, 1, 1)
    child = make_nik(date(2015, 6, 1))
    assert validate_nik(child, today=TODAY).sex == "L"
    with pytest.raises(NikError) as info:
        validate_nik(child, today=TODAY, min_age=17)
    assert info.value.code == "age"
    assert "orang tua atau wali" in info.value.message
