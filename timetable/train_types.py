"""What kind of train a name and number describe, and which classes such a train carries.

The open-data timetable has no train type or coach list, so both are inferred the way a
passenger reads them: from the brand in the name, and from Indian Railways' numbering (five-digit
numbers starting 12 or 22 are superfast services).
"""

from collections.abc import Iterable

from .models import CLASS_CODES, Train

T = Train.Type

# Checked in order: the first brand found in the upper-cased name wins.
NAME_MARKERS = (
    ("RAJDHANI", T.RAJDHANI),
    ("JAN SHATABDI", T.JAN_SHATABDI),
    ("JANSHATABDI", T.JAN_SHATABDI),
    ("SHATABDI", T.SHATABDI),
    ("DURONTO", T.DURONTO),
    ("VANDE BHARAT", T.VANDE_BHARAT),
    ("GARIB RATH", T.GARIB_RATH),
    ("GARIBRATH", T.GARIB_RATH),
    ("HUMSAFAR", T.HUMSAFAR),
    ("PASSENGER", T.PASSENGER),
    ("PASS", T.PASSENGER),
    ("MEMU", T.PASSENGER),
    ("DEMU", T.PASSENGER),
    ("LOCAL", T.PASSENGER),
    ("SUPERFAST", T.SUPERFAST),
    ("SF EXP", T.SUPERFAST),
)

CLASSES_BY_TYPE: dict[str, tuple[str, ...]] = {
    T.RAJDHANI: ("1A", "2A", "3A"),
    T.SHATABDI: ("CC",),
    T.DURONTO: ("1A", "2A", "3A", "SL"),
    T.VANDE_BHARAT: ("CC",),
    T.GARIB_RATH: ("3A",),
    T.HUMSAFAR: ("3A",),
    T.JAN_SHATABDI: ("CC", "2S"),
    T.SUPERFAST: ("1A", "2A", "3A", "SL", "2S"),
    T.MAIL_EXPRESS: ("2A", "3A", "SL", "2S"),
    T.PASSENGER: ("2S",),
}


def infer_train_type(number: str, name: str) -> Train.Type:
    upper = f" {name.upper()} "
    for marker, train_type in NAME_MARKERS:
        if f" {marker} " in upper:
            return train_type
    if len(number) == 5 and number[:2] in ("12", "22"):
        return T.SUPERFAST
    return T.MAIL_EXPRESS


def default_classes(train_type: str) -> str:
    return ",".join(CLASSES_BY_TYPE[train_type])


def normalise_classes(codes: Iterable[str]) -> str:
    """Any iterable of class codes -> the stored comma-separated form, in display order."""
    wanted = {code.upper() for code in codes}
    unknown = wanted - set(CLASS_CODES)
    if unknown:
        raise ValueError(f"unknown class codes: {', '.join(sorted(unknown))}")
    return ",".join(code for code in CLASS_CODES if code in wanted)
