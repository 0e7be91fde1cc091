import datetime
import io

import pytest
from django.core.management import call_command

from search.places import resolve_place
from search.train_search import ResultOptions, find_journeys
from timetable.models import Station, Stop, Train
from timetable.timetable_csv import read_timetable

from testsupport.networks import next_weekday

pytestmark = pytest.mark.django_db

HEADER = (
    "Train No,Train Name,SEQ,Station Code,Station Name,Arrival time,Departure Time,Distance,"
    "Source Station,Source Station Name,Destination Station,Destination Station Name,Runs On\n"
)


def import_shared(shared_data):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_timetable",
        stations=str(shared_data / "stations.geojson"),
        timetable=str(shared_data / "timetable-sample.csv"),
        stdout=out,
        stderr=err,
    )
    return out.getvalue(), err.getvalue()


def counts():
    return Station.objects.count(), Train.objects.count(), Stop.objects.count()


def test_shared_sample_imports_and_reimports_without_duplicates(shared_data):
    out, _ = import_shared(shared_data)
    assert "60 trains, 623 stops" in out
    first = counts()
    assert first == (8990 + 8, 60, 623)  # 8 timetable codes are missing from the GeoJSON
    import_shared(shared_data)
    assert counts() == first


def test_missing_stations_are_created_from_the_timetable(shared_data):
    import_shared(shared_data)
    mahaveerji = Station.objects.get(code="SMVJ")
    assert mahaveerji.name == "Shri Mahaveerji" and mahaveerji.latitude is None
    # A major station the GeoJSON lacks (it still has the old code BCT) takes the project's record.
    mumbai_central = Station.objects.get(code="MMCT")
    assert mumbai_central.city == "Mumbai" and mumbai_central.latitude is not None


def test_day_offsets_are_inferred_across_midnight(shared_data):
    import_shared(shared_data)
    # 12213 YPR-DEE Duronto leaves Yesvantpur on Saturday 06:15 and reaches Delhi the next day.
    stops = {
        stop.station.code: stop
        for stop in Stop.objects.filter(train__number="12213").select_related("station")
    }
    assert stops["YPR"].departure_minute == 6 * 60 + 15
    assert stops["BPQ"].arrival_minute == 22 * 60 + 11
    assert stops["RKMP"].arrival_minute == 24 * 60 + 3 * 60 + 31
    assert stops["DEE"].arrival_minute == 24 * 60 + 14 * 60 + 10
    assert stops["DEE"].departure_minute is None and stops["YPR"].arrival_minute is None


def test_search_on_imported_trains_follows_running_days(shared_data):
    import_shared(shared_data)
    saturday = next_weekday(5)
    sunday = saturday + datetime.timedelta(days=1)

    def numbers(origin, destination, date):
        journeys = find_journeys(resolve_place(origin), resolve_place(destination), date, ResultOptions())
        return [journey.service.number for journey in journeys]

    assert "12213" in numbers("YPR", "DEE", saturday)
    # At Rani Kamalapati the Saturday train is on its second day.
    assert "12213" in numbers("RKMP", "DEE", sunday)
    assert "12213" not in numbers("RKMP", "DEE", saturday)


def test_bad_rows_are_reported_with_line_numbers_and_their_trains_skipped(tmp_path):
    good = [
        "11111,GOOD EXPRESS,1,AAA,ALPHA,00:00:00,23:00:00,0,AAA,ALPHA,CCC,GAMMA,Daily",
        "11111,GOOD EXPRESS,2,BBB,BETA,01:00:00,01:05:00,120,AAA,ALPHA,CCC,GAMMA,Daily",
        "11111,GOOD EXPRESS,3,CCC,GAMMA,04:00:00,00:00:00,300,AAA,ALPHA,CCC,GAMMA,Daily",
    ]
    bad = [
        "22222,BAD TIME EXP,1,AAA,ALPHA,00:00:00,25:00:00,0,AAA,ALPHA,BBB,BETA,Daily",  # line 5
        "22222,BAD TIME EXP,2,BBB,BETA,01:00:00,00:00:00,10,AAA,ALPHA,BBB,BETA,Daily",
        "33333,BAD KM EXP,1,AAA,ALPHA,00:00:00,10:00:00,0,AAA,ALPHA,BBB,BETA,Mon",
        "33333,BAD KM EXP,2,BBB,BETA,11:00:00,00:00:00,far,AAA,ALPHA,BBB,BETA,Mon",  # line 8
        "44444,BAD DAYS EXP,1,AAA,ALPHA,00:00:00,10:00:00,0,AAA,ALPHA,BBB,BETA,Funday",  # line 9
        "44444,BAD DAYS EXP,2,BBB,BETA,11:00:00,00:00:00,50,AAA,ALPHA,BBB,BETA,Funday",
        "55555,SHORT ROW,1,AAA,ALPHA,00:00:00",  # line 11
        "66666,LONELY EXP,1,AAA,ALPHA,00:00:00,10:00:00,0,AAA,ALPHA,AAA,ALPHA,Daily",  # line 12
        "77777,BACKWARDS EXP,1,AAA,ALPHA,00:00:00,10:00:00,100,AAA,ALPHA,BBB,BETA,Daily",
        "77777,BACKWARDS EXP,2,BBB,BETA,11:00:00,00:00:00,50,AAA,ALPHA,BBB,BETA,Daily",  # line 14
    ]
    path = tmp_path / "timetable.csv"
    path.write_text(HEADER + "\n".join(good + bad) + "\n")
    err = io.StringIO()
    call_command("import_timetable", timetable=str(path), stdout=io.StringIO(), stderr=err)
    report = err.getvalue()
    for line, reason in [
        (5, "Departure Time '25:00:00'"),
        (8, "Distance 'far'"),
        (9, "unknown day"),
        (11, "wrong number of columns"),
        (12, "at least two stops"),
        (14, "less than"),
    ]:
        assert f"line {line}:" in report and reason in report, (line, reason, report)
    assert list(Train.objects.values_list("number", flat=True)) == ["11111"]
    stops = list(Stop.objects.order_by("sequence").values_list("arrival_minute", "departure_minute"))
    assert stops == [(None, 23 * 60), (25 * 60, 25 * 60 + 5), (28 * 60, None)]


def test_unreadable_files_fail_cleanly(tmp_path):
    from django.core.management.base import CommandError

    path = tmp_path / "no-columns.csv"
    path.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(CommandError, match="no column"):
        call_command("import_timetable", timetable=str(path))
    with pytest.raises(CommandError):
        call_command("import_timetable", timetable=str(tmp_path / "absent.csv"))
    (tmp_path / "s.geojson").write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_timetable", stations=str(tmp_path / "s.geojson"))
    assert Train.objects.count() == 0


def test_read_timetable_does_not_need_the_database():
    parsed = read_timetable(
        io.StringIO(
            HEADER + "1,X EXP,1,AAA,A,00:00:00,23:59:00,0,,,,,Daily\n"
            "1,X EXP,2,BBB,B,00:01:00,00:00:00,5,,,,,Daily\n"
        )
    )
    assert parsed.trains[0].stops[1].arrival_minute == 24 * 60 + 1
