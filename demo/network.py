"""The demo network: real major stations and generated, plausible trains between them.

`build_demo_network(scale)` is deterministic (fixed seeds), needs no files or network, and
returns `(station_records, train_records)` for `timetable.loading.load_network`.

Trains run along corridors: ordered station lists that follow real routes (Mumbai - Delhi via
Surat, Vadodara, Ratlam and Kota; the Konkan line; ...). Each corridor gets up/down pairs of
trains (consecutive numbers, like 12951/12952) over the whole route or a section of it, with
the type, stops, speed, running days and departure time a train of that kind would have.

scale > 1 keeps the scale-1 network unchanged and adds synthetic halt stations between the
major ones plus (scale - 1) times as many synthetic trains, for load and search benchmarks.
"""

import itertools
import math
import random
from dataclasses import dataclass
from functools import cached_property

from timetable.major_stations import MAJOR_STATIONS
from timetable.models import MINUTES_PER_DAY, Train
from timetable.records import StationRecord, StopRecord, TrainRecord
from timetable.running_days import DAILY, shift_mask
from timetable.train_types import default_classes

T = Train.Type

# 1853: the first passenger train in India (Bori Bunder - Thane). Any constant works; changing
# it reshuffles every generated train.
BASE_SEED = 1853
SYNTHETIC_SEED = BASE_SEED + 1

EARTH_RADIUS_KM = 6371.0
# Track is longer than the great circle between neighbouring stations: curves, detours around
# hills and rivers. 1.1 reproduces real distances within ~5% (Mumbai Central - New Delhi 1,434 km
# against 1,386; New Delhi - Chennai 2,149 against 2,182), since the zigzag through
# the intermediate stations is already in the sum. Ghat and coastal lines set their own.
TRACK_WINDING = 1.1
KONKAN_WINDING = 1.35  # tunnels and viaducts along a ragged coast
MIN_SEGMENT_KM = 1.0

# How much a station matters on a corridor: premium trains skip minor halts, synthetic halts
# are served mostly by passenger trains.
MAJOR, MINOR, HALT = 0, 1, 2
MINOR_MARK = "~"

# Train plan of one corridor at scale 1.
KM_PER_EXTRA_PAIR = 900  # one extra up/down pair per this many route km
LONG_DISTANCE_KM = 1000  # Duronto, Garib Rath and Humsafar need at least this much
LONG_PREMIUM_CHANCE = 0.3
SUPERFAST_CHANCE = 0.7  # of a whole-corridor train after the first, or one with no other fit
PASSENGER_STOPS = (3, 8)  # stations a scale-1 passenger train serves
PASSENGER_MAX_KM = 250  # stopping trains are local
HILL_PASSENGER_PAIRS = 2
MEMU_CHANCE = 0.4
WINDOW_ATTEMPTS = 10

# Sections (km) that suit a kind of service.
DAY_TRAIN_KM = (150, 750)  # Shatabdi, Vande Bharat, Jan Shatabdi: there and back by day
MEDIUM_KM = (200, 1000)
LONG_KM = (700, math.inf)

HILL_SPEED_FACTOR = 0.5  # mountain railways crawl
MAX_RUNNING_KMH = 130
DAY_TRAIN_LATEST_ARRIVAL = 23 * 60
DEPARTURE_ROUNDING = 5

# Synthetic network (scale > 1).
HALT_SPACING_KM = 12
HALT_CODE_PREFIX, HALT_CODE_DIGITS = "H", 4  # real codes are letters only: "H0001" is free
SYNTHETIC_NUMBER_PREFIX = "3"  # seven digits: cannot collide with five-digit real numbers
SYNTHETIC_PASSENGER_STOPS = (16, 40)
SYNTHETIC_PASSENGER_MAX_KM = 300
HILL_TYPES = (T.PASSENGER, T.MAIL_EXPRESS)
SYNTHETIC_TYPE_MIX = (
    (T.PASSENGER, 40),
    (T.MAIL_EXPRESS, 30),
    (T.SUPERFAST, 18),
    (T.JAN_SHATABDI, 5),
    (T.VANDE_BHARAT, 4),
    (T.SHATABDI, 2),
    (T.GARIB_RATH, 2),
    (T.HUMSAFAR, 1),
    (T.DURONTO, 1),
)


@dataclass(frozen=True)
class Profile:
    """How a type of train runs."""

    speed_kmh: tuple[int, int]  # average over the journey, halts included
    halt_minutes: tuple[int, int]
    # Chance of calling at an intermediate MAJOR, MINOR and HALT station.
    stop_chance: tuple[float, float, float]
    departure_window: tuple[int, int]  # minutes after midnight at the first station
    days_per_week: tuple[int, ...]  # picked uniformly: repeats weight the choice
    is_day_train: bool = False


ANY_TIME = (0, MINUTES_PER_DAY - DEPARTURE_ROUNDING)
DAYTIME = (5 * 60, 16 * 60)

PROFILES = {
    T.RAJDHANI: Profile((70, 85), (2, 5), (0.7, 0, 0), (15 * 60, 20 * 60 + 30), (7, 7, 7, 4, 3)),
    T.SHATABDI: Profile((70, 85), (2, 3), (0.9, 0, 0), DAYTIME, (7, 7, 6), is_day_train=True),
    T.VANDE_BHARAT: Profile((75, 85), (2, 3), (0.8, 0, 0), DAYTIME, (6, 6, 6, 7), is_day_train=True),
    T.DURONTO: Profile((70, 85), (2, 5), (0.2, 0, 0), (20 * 60, 23 * 60 + 30), (1, 2, 3)),
    T.GARIB_RATH: Profile((55, 65), (2, 5), (0.8, 0.2, 0), ANY_TIME, (2, 3)),
    T.HUMSAFAR: Profile((55, 65), (2, 5), (0.6, 0.1, 0), ANY_TIME, (1, 2)),
    T.JAN_SHATABDI: Profile((55, 65), (2, 5), (1, 0.5, 0.02), DAYTIME, (7, 6), is_day_train=True),
    T.SUPERFAST: Profile((55, 65), (2, 10), (1, 0.4, 0.1), ANY_TIME, (7, 7, 3, 2, 1)),
    T.MAIL_EXPRESS: Profile((45, 55), (2, 10), (1, 1, 0.25), ANY_TIME, (7, 7, 7, 3, 1)),
    T.PASSENGER: Profile((30, 40), (2, 3), (1, 1, 1), (4 * 60, 21 * 60), (7, 7, 7, 6)),
}

BRANDS = {
    T.RAJDHANI: "Rajdhani Express",
    T.SHATABDI: "Shatabdi Express",
    T.VANDE_BHARAT: "Vande Bharat Express",
    T.DURONTO: "Duronto Express",
    T.GARIB_RATH: "Garib Rath Express",
    T.HUMSAFAR: "Humsafar Express",
    T.JAN_SHATABDI: "Jan Shatabdi Express",
}

# Services a corridor gets beyond its named trains, by the kind of section they run over.
BAND_MIX = {
    DAY_TRAIN_KM: ((T.VANDE_BHARAT, 3), (T.SHATABDI, 2), (T.JAN_SHATABDI, 3), (T.SUPERFAST, 2)),
    MEDIUM_KM: ((T.SUPERFAST, 6), (T.MAIL_EXPRESS, 4)),
    LONG_KM: ((T.SUPERFAST, 6), (T.MAIL_EXPRESS, 4)),
}

SYNTHETIC_BANDS = {
    T.SHATABDI: DAY_TRAIN_KM,
    T.VANDE_BHARAT: DAY_TRAIN_KM,
    T.JAN_SHATABDI: DAY_TRAIN_KM,
    T.DURONTO: LONG_KM,
    T.GARIB_RATH: LONG_KM,
    T.HUMSAFAR: LONG_KM,
}  # other types run over a medium or a long section

# Inclusive ranges (low odd): an odd number for the up train, the even one after it (also in
# the range) for the return train.
# Premium and superfast trains use 12xxx/22xxx, as on Indian Railways.
NUMBER_BLOCKS = {
    T.SHATABDI: ((12001, 12049),),
    T.JAN_SHATABDI: ((12051, 12099),),
    T.GARIB_RATH: ((12201, 12249),),
    T.DURONTO: ((12251, 12299),),
    T.RAJDHANI: ((12301, 12349), (12421, 12449)),
    T.VANDE_BHARAT: ((22401, 22499), (22601, 22699)),
    T.HUMSAFAR: ((22901, 22999),),
    T.SUPERFAST: ((12101, 12199), (12351, 12419), (12451, 12999), (22101, 22399), (22701, 22899)),
}
# Mail/express (1Zxxx), passenger (5Zxxx) and MEMU (6Zxxx) numbers carry the zone digit Z of
# the zone that owns the train (the zone of its first station), as on Indian Railways.
ZONE_DIGITS = {
    "KR": 0,
    "CR": 1,
    "WCR": 1,
    "ER": 3,
    "ECR": 3,
    "NR": 4,
    "NCR": 4,
    "NWR": 4,
    "NER": 5,
    "NFR": 5,
    "SR": 6,
    "SWR": 6,
    "SCR": 7,
    "SER": 8,
    "SECR": 8,
    "ECoR": 8,
    "WR": 9,
}
ZONED_PREFIX = {T.MAIL_EXPRESS: 1, T.PASSENGER: 5}
MEMU_PREFIX = 6

# Names used in train names where the station's city is shared by several terminals.
TRAIN_NAME_LABELS = {
    "CSMT": "Mumbai CSMT",
    "LTT": "Mumbai LTT",
    "LKO": "Lucknow",
    "HYB": "Hyderabad",
    "SBC": "KSR Bengaluru",
    "RJPB": "Rajendra Nagar",
    "ANVT": "Anand Vihar",
    "DEE": "Sarai Rohilla",
}


@dataclass(frozen=True)
class Corridor:
    """A real route as an ordered list of station codes; "~CODE" marks a minor halt."""

    route: str
    named: tuple[str, ...] = ()  # proper names for trains over the whole corridor
    rajdhani: bool = False  # Delhi to a state capital: gets a Rajdhani
    hill: bool = False  # mountain railway: slow passenger and express trains only
    winding: float = TRACK_WINDING
    weight: float = 1.0  # share of extra trains (lower where corridors overlap)

    @cached_property
    def stations(self):
        """[(code, MAJOR or MINOR)] in route order."""
        return [
            (code.removeprefix(MINOR_MARK), MINOR if code.startswith(MINOR_MARK) else MAJOR)
            for code in self.route.split()
        ]


CORRIDORS = (
    # Western India and Mumbai - Delhi
    Corridor(
        "MMCT BVI ~DRD VAPI ~BL ~NVS ST ~BH BRC ~GDA ~DHD RTM ~NAD KOTA SWM ~GGC ~BTE MTJ ~FDB NZM NDLS",
        rajdhani=True,
    ),
    Corridor(
        "BDTS BVI VAPI ST BRC RTM ~NAD KOTA SWM ~BTE MTJ NZM NDLS PNP ~KKDE UMB LDH JUC ASR",
        named=("Paschim Express", "Golden Temple Mail"),
        weight=0.5,
    ),
    Corridor(
        "MMCT BVI ~DRD VAPI ~BL ~NVS ~UDN ST ~BH BRC ANND ~ND ADI ~SBI GNC",
        named=("Gujarat Mail", "Karnavati Express"),
    ),
    Corridor(
        "MMCT BVI ~VAPI ST ~BH BRC ANND ~ND ADI ~VG SUNR ~WKR RJT HAPA JAM DWK OKHA",
        named=("Saurashtra Mail",),
        weight=0.5,
    ),
    Corridor(
        "MMCT BVI ~VAPI ST BRC ANND ADI ~VG SUNR WKR RJT GDL PBR", named=("Saurashtra Express",), weight=0.3
    ),
    Corridor("BDTS BVI ST BRC ANND ADI ~VG ~DHG SIOB GIMB BHUJ", named=("Kutch Express",), weight=0.5),
    Corridor("ADI ~VG SUNR WKR RJT GDL JND VRL", named=("Somnath Express",)),
    Corridor("ADI BTD BVC"),
    Corridor("INDB UJN NAD RTM ~DHD ~GDA BRC ST ~VAPI BVI MMCT", named=("Avantika Express",)),
    # Delhi - Kolkata and Bihar
    Corridor(
        "NDLS GZB ~ALJN TDL ~ETW CNB ~FTP PRYJ ~MZP DDU ~SSM GAYA ~KQR ~GMO DHN ASN ~DGR BWN HWH",
        rajdhani=True,
    ),
    Corridor(
        "NDLS GZB ~ALJN TDL ~ETW CNB ~FTP PRYJ ~MZP DDU BXR ARA DNR PNBE ~MKA KIUL JSME ASN ~DGR BWN HWH",
        named=("Poorva Express",),
    ),
    Corridor(
        "NDLS GZB ~ALJN ~TDL ~ETW CNB PRYJ DDU ~SSM GAYA ~KQR DHN ASN ~DGR BWN ~BDC SDAH",
        rajdhani=True,
        weight=0.3,
    ),
    Corridor(
        "HWH BWN ASN DHN ~GMO GAYA DDU PRYJ CNB ~ETW ~TDL ~ALJN GZB DLI ~PNP UMB CDG KLK",
        named=("Netaji Express",),
        weight=0.3,
    ),
    Corridor(
        "RJPB PNBE DNR ARA BXR DDU PRYJ CNB ~ETW ~TDL ~ALJN GZB NDLS",
        rajdhani=True,
        named=("Sampoorna Kranti Express",),
    ),
    Corridor("PPTA DNR ARA BXR DDU PRYJ CNB GZB ANVT", weight=0.3),
    Corridor(
        "ANVT GZB ~ALJN ~ETW CNB ~FTP PRYJ DDU ~BXR ARA PNBE ~MKA KIUL BGP",
        named=("Vikramshila Express",),
        weight=0.5,
    ),
    Corridor("PNBE GAYA KQR RNC", winding=1.3),
    Corridor("HTE RNC MURI BKSC GMO ~KQR GAYA DDU PRYJ CNB NDLS", rajdhani=True, weight=0.5),
    # Delhi - Lucknow - eastern Uttar Pradesh and north Bihar
    Corridor(
        "NDLS GZB ~HPU MB ~RMU BE ~SPN ~HRI LKO ~BBK GD BST GKP ~DEOS SV CPR HJP MFP SPJ BJU ~KGG SHC",
        named=("Vaishali Express",),
    ),
    Corridor(
        "ANVT GZB MB BE LKO GD BST GKP DEOS SV CPR HJP MFP SPJ DBG",
        named=("Bihar Sampark Kranti",),
        weight=0.5,
    ),
    Corridor("NDLS GZB ~ALJN ~TDL ~ETW CNB LKO ~BBK AYC JNU BSB"),
    Corridor("NDLS GZB MB BE ~SPN ~HRI LKO ~SLN JNU BSB", named=("Kashi Vishwanath Express",), weight=0.5),
    Corridor("NDLS GZB ~ALJN ~ETW CNB ~FTP PRYJ BSB", named=("Shiv Ganga Express",)),
    Corridor("LKO RBL PRYJ", named=("Ganga Gomti Express",)),
    Corridor("BSBS DEOS GKP"),
    # Punjab, Himachal, Jammu and Kashmir, Uttarakhand
    Corridor("NDLS ~SNP PNP ~KKDE UMB ~SIR LDH JUC ASR", named=("Shan-e-Punjab Express",)),
    Corridor(
        "NDLS ~SNP PNP ~KKDE UMB LDH JRC PTKC JAT ~UHP SVDK", rajdhani=True, named=("Uttar Sampark Kranti",)
    ),
    Corridor("SVDK SINA BRML", winding=1.5),
    Corridor("NDLS ~SNP PNP ~KKDE UMB CDG KLK", named=("Himalayan Queen",)),
    Corridor("KLK SML", hill=True, winding=2.6),
    Corridor("NDLS PNP UMB CDG UHL", weight=0.5),
    Corridor("NDLS ~SNP PNP ~KKDE UMB PTA BTI", weight=0.5),
    Corridor("DLI ROK JIND BTI FZR", weight=0.5),
    Corridor("DLI ROK HSR HMH SGNR", weight=0.5),
    Corridor("NDLS GZB MTC SRE RK HW DDN", named=("Nanda Devi Express",)),
    Corridor("DLI GZB ~HPU MB ~RMU LKU KGM", named=("Ranikhet Express",)),
    Corridor(
        "HWH BWN ASN DHN GAYA DDU BSB ~SLN LKO ~HRI BE MB ~NBD SRE UMB LDH JRC PTKC JAT",
        named=("Himgiri Express",),
        weight=0.5,
    ),
    Corridor(
        "HWH BWN ASN JSME KIUL PNBE ARA BXR DDU BSB ~JNU ~SLN LKO ~HRI BE MB ~NBD SRE UMB ~SIR LDH JUC ASR",
        named=("Amritsar Mail",),
        weight=0.5,
    ),
    Corridor(
        "KOAA ~BDC BWN ASN DHN GAYA DDU BSB LKO BE MB SRE UMB LDH JUC ASR",
        named=("Akal Takht Express",),
        weight=0.3,
    ),
    # Rajasthan
    Corridor("DEE GGN ~RE AWR JP ~FL ~KSG AII BHL COR UDZ", named=("Chetak Express",)),
    Corridor("DLI ~GGN RE AWR JP ~FL MTD JU ~POK JSM", named=("Mandore Express",)),
    Corridor("DEE ~GGN RE LHU ~SDLP CUR RTGH BKN"),
    Corridor("BKN MTD JU BME"),
    Corridor("ADI ~SBI MSH PNU ABR ~FA MJ ~BER AII ~KSG ~FL JP AWR RE ~GGN DLI", named=("Ashram Express",)),
    Corridor("JP ~GADJ SWM KOTA GUNA BINA SGO DMO KTE JBP", named=("Dayodaya Express",)),
    # Delhi - the South through central India
    Corridor(
        "NDLS ~FDB MTJ AGC ~MRA GWL ~DAA VGLB ~LAR BINA ~BHS BPL ~RKMP ~NDPM ET ~BZU NGP ~CD BPQ ~MCI RDM "
        "KZJ ~WL ~KMT BZA ~TEL OGL NLR GDR MAS",
        rajdhani=True,
        named=("Grand Trunk Express", "Tamil Nadu Express"),
    ),
    Corridor(
        "NZM ~FDB MTJ AGC GWL VGLB BINA BPL ~RKMP ET ~BZU NGP ~CD BPQ ~MCI RDM KZJ SC HYB",
        rajdhani=True,
        named=("Telangana Express", "Dakshin Express"),
        weight=0.5,
    ),
    Corridor(
        "NZM MTJ AGC GWL VGLB ~LAR BINA BPL ~RKMP ET ~BZU NGP ~BPQ ~RDM KZJ SC KCG ~MBNR KRNT DHNE ATP "
        "DMM ~HUP YPR SBC",
        rajdhani=True,
        weight=0.5,
    ),
    Corridor(
        "VSG MAO ~QLM LD BGM MRJ ~STR PUNE DD ANG MMR ~JL BSL KNW ET ~NDPM BPL ~BHS BINA VGLB GWL AGC MTJ "
        "NZM",
        named=("Goa Express",),
        weight=0.5,
    ),
    Corridor(
        "INDB DWX UJN BPL ~BHS BINA ~LAR VGLB ~DAA GWL ~MRA AGC MTJ NZM NDLS PNP UMB LDH JRC PTKC JAT",
        named=("Malwa Express",),
        weight=0.5,
    ),
    Corridor("DURG R BSP ~PND APR SDL KTE JBP ~PPI ET ~NDPM RKMP BPL", named=("Amarkantak Express",)),
    Corridor("REWA STA KTE DMO SGO BINA ~BHS BPL RKMP", named=("Rewanchal Express",)),
    Corridor(
        "VSKP VZM RGDA ~KSNG TIG ~MSMD R DURG ~RJN G NGP ~BZU ET ~NDPM RKMP BPL ~BHS BINA VGLB GWL AGC "
        "MTJ NZM",
        named=("Samata Express",),
    ),
    # Kolkata - Mumbai, Mumbai - the North
    Corridor(
        "HWH ~SRC KGP TATA ~CKP ROU JSG ~RIG ~CPH BSP R DURG ~RJN G NGP ~WR BD AK BSL JL ~MMR NK ~IGP KYN "
        "~TNA DR CSMT",
        named=("Gitanjali Express", "Howrah Mail"),
    ),
    Corridor("SHM ~SRC KGP TATA ROU JSG BSP R DURG G NGP BD AK BSL NK KYN TNA LTT", weight=0.5),
    Corridor(
        "HWH ~BWN ASN DHN ~GMO GAYA DDU PRYJ ~MKP STA KTE JBP ~PPI ET KNW BSL JL ~MMR NK ~IGP KYN DR CSMT"
    ),
    Corridor(
        "CSMT DR KYN ~IGP NK ~MMR JL BSL KNW ET ~PPI JBP KTE STA ~MKP PRYJ BSB",
        named=("Mahanagari Express", "Kamayani Express"),
        weight=0.6,
    ),
    Corridor(
        "LTT TNA KYN ~IGP NK MMR ~JL BSL KNW ET BPL ~BHS BINA VGLB ORAI CNB LJN ~BBK GD BST GKP",
        named=("Pushpak Express", "Kushinagar Express"),
    ),
    Corridor(
        "PUNE DD ANG MMR ~JL BSL AK BD WR NGP G DURG R BSP ~CPH ~RIG JSG ROU ~CKP TATA KGP HWH",
        named=("Azad Hind Express",),
    ),
    # Mumbai and Pune - the South
    Corridor(
        "CSMT DR ~TNA KYN ~KJT LNL PUNE DD ~KWV SUR KLBG WADI RC GTL ~HX RU AJJ ~TRL MAS",
        named=("Chennai Express", "Mumbai Mail"),
    ),
    Corridor(
        "CSMT DR ~TNA KYN ~KJT LNL PUNE DD ~KWV SUR KLBG WADI ~RC GTL ATP DMM ~HUP YPR SBC",
        named=("Udyan Express",),
        weight=0.5,
    ),
    Corridor(
        "CSMT DR KYN ~LNL PUNE ~STR MRJ BGM ~LD DWR UBL DVG ~RRB ASK TK YPR SBC MYA MYS",
        named=("Sharavathi Express",),
    ),
    Corridor("CSMT DR KYN ~LNL PUNE ~STR MRJ KOP", named=("Koyna Express", "Sahyadri Express")),
    Corridor(
        "CSMT DR ~TNA KYN ~KJT LNL PUNE", named=("Deccan Queen", "Pragati Express", "Indrayani Express")
    ),
    Corridor("HYB ~LPI VKB ~TDU WADI KLBG SUR ~KWV DD PUNE LNL KYN DR CSMT", named=("Hussainsagar Express",)),
    Corridor("SC NZB NED PBN J AWB MMR NK ~IGP KYN DR CSMT", named=("Devagiri Express",)),
    Corridor("SC VKB BIDR"),
    # Karnataka and Goa
    Corridor("SUR BJP ~BGK GDG UBL", named=("Gol Gumbaz Express",)),
    Corridor("UBL GDG ~KBL HPT BAY GTL ATP DMM ~HUP YPR SBC ~MYA MYS", named=("Hampi Express",)),
    Corridor("SBC YPR TK ASK ~RRB DVG UBL DWR LD ~QLM MAO VSG"),
    Corridor("SBC YPR TK ASK RRB SMET"),
    Corridor("SBC YPR HAS SKLR SBHR MAJN MAQ", winding=1.3),
    # Konkan and Kerala
    Corridor(
        "LTT TNA PNVL ROHA ~MNI CHI RN ~KKW KUDL ~SWV THVM KRMI MAO ~CNO KAWR ~KT ~BYNR UD MAJN KGQ CAN "
        "~TLY CLT ~TIR SRR TCR ~AWY ERS ~ALLP KYJ QLN ~VAK TVC",
        named=("Netravati Express",),
        winding=KONKAN_WINDING,
    ),
    Corridor(
        "CSMT DR TNA PNVL ROHA ~MNI CHI RN ~KKW KUDL ~SWV THVM KRMI MAO",
        named=("Mandovi Express", "Konkan Kanya Express"),
        winding=KONKAN_WINDING,
    ),
    Corridor(
        "ERS ~AWY TCR SRR ~TIR CLT CAN KGQ MAJN UD ~KAWR MAO ~THVM RN ~CHI PNVL KYN ~IGP NK MMR BSL KNW "
        "ET BPL BINA VGLB GWL AGC MTJ NZM",
        named=("Mangala Lakshadweep Express",),
        weight=0.5,
    ),
    Corridor(
        "MAQ KGQ CAN ~TLY CLT ~TIR SRR TCR AWY ERN KTYM ~CNGR KYJ QLN ~VAK TVC NCJ CAPE",
        named=("Malabar Express", "Parasuram Express"),
    ),
    # Tamil Nadu
    Corridor(
        "MAS ~PER AJJ KPD ~JTJ ~BWT KJM BNC SBC ~MYA MYS", named=("Brindavan Express", "Lalbagh Express")
    ),
    Corridor("MAS ~PER AJJ KPD JTJ SA ED TUP CBE MTP", named=("Nilgiri Express", "Cheran Express")),
    Corridor("MTP UAM", hill=True, winding=1.6),
    Corridor(
        "MAS ~PER AJJ KPD JTJ SA ED TUP CBE PGT ~SRR TCR ~AWY ERN KTYM ~CNGR KYJ QLN TVC",
        named=("Trivandrum Mail",),
    ),
    Corridor(
        "MAS AJJ KPD JTJ SA ED ~TUP PGT SRR ~TIR CLT ~TLY CAN KGQ MAQ",
        named=("West Coast Express", "Mangaluru Mail"),
    ),
    Corridor(
        "SBC BNC ~HSRA ~DPJ SA ED TUP CBE PGT TCR ~AWY ERS KTYM ~CNGR KYJ QLN TVC NCJ CAPE",
        named=("Island Express",),
        weight=0.5,
    ),
    Corridor(
        "MS TBM CGL VM ~VRI TPJ DG MDU VPT TEN NCJ CAPE",
        named=("Kanniyakumari Express", "Ananthapuri Express"),
    ),
    Corridor("MS TBM CGL VM ~CDM MV KMU TJ TPJ", named=("Cholan Express",)),
    Corridor("MS TBM CGL VM PDY"),
    Corridor("MS TBM CGL VM ~VRI TPJ PDKT KKDI RMD RMM", named=("Rameswaram Express", "Sethu Express")),
    Corridor("MS TBM CGL VM TPJ DG MDU VPT TN", named=("Pearl City Express",), weight=0.5),
    # Andhra Pradesh, Telangana, Odisha: the east coast
    Corridor("MAS GDR NLR OGL BZA KMT WL KZJ SC HYB", named=("Charminar Express",)),
    Corridor("MAS ~PER TRL AJJ RU TPTY", named=("Saptagiri Express",)),
    Corridor("SC NLDA GNT TEL OGL NLR GDR RU TPTY", named=("Narayanadri Express",)),
    Corridor(
        "SC ~KZJ WL KMT BZA EE RJY SLO ~TUNI ~AKP VSKP VZM ~CHE BAM KUR BBS CTC ~JJKR BHC BLS KGP HWH",
        named=("Falaknuma Express", "East Coast Express"),
    ),
    Corridor("LPI SC ~KZJ WL KMT BZA EE RJY SLO COA", named=("Gowthami Express",)),
    Corridor(
        "HWH ~SRC KGP ~BLS ~BHC ~JJKR CTC BBS KUR BAM ~CHE VZM VSKP ~AKP ~TUNI ~SLO RJY EE BZA ~TEL ~OGL "
        "NLR GDR MAS",
        named=("Coromandel Express",),
    ),
    Corridor(
        "HWH KGP BLS BHC CTC BBS KUR BAM VZM VSKP RJY EE BZA OGL NLR GDR RU KPD JTJ BWT KJM SMVB", weight=0.4
    ),
    Corridor("HWH ~SRC KGP ~BLS ~BHC ~JJKR CTC BBS KUR PURI", named=("Jagannath Express", "Dhauli Express")),
    Corridor(
        "PURI KUR BBS CTC ~JJKR BHC BLS KGP TATA ~MURI BKSC GMO ~KQR GAYA ~SSM DDU PRYJ CNB ~ETW ~TDL "
        "~ALJN NDLS",
        rajdhani=True,
        named=("Purushottam Express", "Neelachal Express"),
    ),
    Corridor("PURI KUR BBS CTC ~DNKL ANGL SBP ~BRGA TIG ~MSMD R DURG"),
    Corridor("PURI KUR BBS CTC ~DNKL ANGL SBP JSG ROU"),
    Corridor("VSKP ARK KRPU JDB", hill=True, winding=1.6),
    # The East and the North East
    Corridor(
        "NDLS GZB ~ALJN ~ETW CNB PRYJ DDU ~BXR ARA PNBE ~MKA BJU ~KGG KIR ~KNE NJP ~NCB ~KOJ NBQ ~RNY GHY "
        "~HJI LMG DMV FKG ~MXN NTSK DBRG",
        rajdhani=True,
        named=("Brahmaputra Mail",),
    ),
    Corridor(
        "HWH ~BDC BWN BHP ~NFK MLDT ~KNE NJP NCB ~KOJ NBQ ~RNY GHY",
        named=("Saraighat Express", "Kamrup Express"),
    ),
    Corridor("SDAH ~BDC BWN BHP NFK MLDT KNE NJP APDJ", named=("Kanchankanya Express",)),
    Corridor("GHY ~HJI LMG BPB SCL JRBM", winding=1.4),
    Corridor("GHY ~HJI LMG BPB AGTL", winding=1.4),
    Corridor("SCL BHRB", winding=1.4),
    Corridor("GHY RNY RPAN NHLN", named=("Donyi Polo Express",)),
    Corridor("GHY KYQ MNDP"),
)


@dataclass(frozen=True)
class RouteStop:
    code: str
    km: float  # track distance from the start of the route
    level: int  # MAJOR, MINOR or HALT


@dataclass(frozen=True)
class Halt:
    record: StationRecord
    fraction: float  # position between the segment's two stations, from the first


def great_circle_km(a, b):
    lat1, lon1, lat2, lon2 = map(math.radians, (a.latitude, a.longitude, b.latitude, b.longitude))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def segment_km(a, b, winding):
    return max(MIN_SEGMENT_KM, great_circle_km(a, b) * winding)


class Network:
    """Everything the generators share: stations by code and what to call them in train names."""

    def __init__(self, stations=MAJOR_STATIONS):
        self.stations = {}
        self.stations_per_city = {}
        self.labels = dict(TRAIN_NAME_LABELS)
        self.add_stations(stations)
        self._check_corridors()

    def add_stations(self, records, labels=None):
        """Make stations known; `labels` names trains that start or end there."""
        for record in records:
            self.stations[record.code] = record
            self.stations_per_city[record.city] = self.stations_per_city.get(record.city, 0) + 1
        self.labels.update(labels or {})

    def _check_corridors(self):
        for corridor in CORRIDORS:
            unknown = [code for code, _ in corridor.stations if code not in self.stations]
            if unknown:
                raise ValueError(f"corridor {corridor.route[:30]}...: unknown station codes {unknown}")
            ends = (corridor.stations[0], corridor.stations[-1])
            if any(level == MINOR for _, level in ends):
                raise ValueError(f"corridor {corridor.route[:30]}... must start and end at a major station")
            if corridor.rajdhani and not any(self.stations[code].city == "Delhi" for code, _ in ends):
                raise ValueError(f"corridor {corridor.route[:30]}...: a Rajdhani runs to or from Delhi")

    def city(self, code):
        """The city of a station, or the station itself where it has none (synthetic halts)."""
        return self.stations[code].city or code

    def label(self, code):
        """The short place name a train is named after ("Howrah", "Bhopal", "Mumbai LTT")."""
        if code in self.labels:
            return self.labels[code]
        record = self.stations[code]
        if record.city and self.stations_per_city[record.city] == 1:
            return record.city
        return record.name.removesuffix(" Jn")

    def route(self, corridor):
        route, km = [], 0.0
        for index, (code, level) in enumerate(corridor.stations):
            if index:
                previous = self.stations[corridor.stations[index - 1][0]]
                km += segment_km(previous, self.stations[code], corridor.winding)
            route.append(RouteStop(code, km, level))
        return route


class NumberAllocator:
    """Unique up/down train number pairs in the real ranges for each type."""

    def __init__(self, rng):
        self.rng = rng
        self.used = set()

    def pair(self, train_type, zone, memu=False):
        for low, high in self._blocks(train_type, zone, memu):
            number = self._free_odd(low, high)
            if number is not None:
                self.used.add(number)
                return str(number), str(number + 1)
        raise ValueError(f"train numbers for {train_type} in zone {zone} are exhausted")

    @staticmethod
    def _blocks(train_type, zone, memu):
        if train_type in NUMBER_BLOCKS:
            return NUMBER_BLOCKS[train_type]
        prefix = MEMU_PREFIX if memu else ZONED_PREFIX[train_type]
        start = (prefix * 10 + ZONE_DIGITS[zone]) * 1000
        return ((start + 1, start + 999),)

    def _free_odd(self, low, high):
        """An unused odd number in low..high (inclusive) whose even partner is in the range too."""
        # A random start looks like a real timetable; probing keeps it unique.
        count = (high - low + 1) // 2
        first = self.rng.randrange(count)
        for step in range(count):
            number = low + 2 * ((first + step) % count)
            if number not in self.used:
                return number
        return None


class TrainFactory:
    """Turns a section of a route and a train type into an up and a down TrainRecord."""

    def __init__(self, network, rng):
        self.network = network
        self.rng = rng

    def pair(self, route, start, end, train_type, numbers, name=None, hill=False, memu=False):
        profile = PROFILES[train_type]
        section = route[start : end + 1]
        calls = [
            stop for index, stop in enumerate(section) if self._calls(profile, stop, index, len(section))
        ]
        name = name or self.name(train_type, calls[0].code, calls[-1].code, calls[-1].km - calls[0].km, memu)
        classes = default_classes(train_type)
        up_days = self._running_days(profile)
        up = TrainRecord(numbers[0], name, train_type, up_days, classes, self._stops(profile, calls, hill))
        down_calls = [RouteStop(stop.code, calls[-1].km - stop.km, stop.level) for stop in reversed(calls)]
        down_stops = self._stops(profile, down_calls, hill)
        # The return working leaves the day after the up train arrives.
        arrival_day = up.stops[-1].arrival_minute // MINUTES_PER_DAY
        down = TrainRecord(
            numbers[1], name, train_type, shift_mask(up_days, arrival_day + 1), classes, down_stops
        )
        return up, down

    def _calls(self, profile, stop, index, count):
        if index in (0, count - 1):
            return True
        return self.rng.random() < profile.stop_chance[stop.level]

    def _running_days(self, profile):
        days = self.rng.choice(profile.days_per_week)
        if days == 7:
            return DAILY
        mask = 0
        for day in self.rng.sample(range(7), days):
            mask |= 1 << day
        return mask

    def _stops(self, profile, calls, hill):
        rng = self.rng
        origin_km = calls[0].km
        total_km = calls[-1].km - calls[0].km
        speed = rng.uniform(*profile.speed_kmh) * (HILL_SPEED_FACTOR if hill else 1)
        halts = [rng.randint(*profile.halt_minutes) for _ in calls[1:-1]]
        # Running time is what is left of the journey time once the halts are taken out, but
        # never faster than the line allows.
        running = max(total_km / speed * 60 - sum(halts), total_km / MAX_RUNNING_KMH * 60)
        offsets, minute = [], 0
        for index, stop in enumerate(calls):
            if index:
                leg_km = stop.km - calls[index - 1].km
                minute += max(1, round(running * leg_km / total_km))
            arrival = minute
            if 0 < index < len(calls) - 1:
                minute += halts[index - 1]
            offsets.append((arrival, minute))
        start = self._departure(profile, offsets[-1][0])
        stops = []
        for index, (stop, (arrival, departure)) in enumerate(zip(calls, offsets, strict=True)):
            stops.append(
                StopRecord(
                    station_code=stop.code,
                    arrival_minute=None if index == 0 else start + arrival,
                    departure_minute=None if index == len(calls) - 1 else start + departure,
                    distance_km=round(stop.km - origin_km),
                )
            )
        return stops

    def _departure(self, profile, journey_minutes):
        earliest, latest = profile.departure_window
        if profile.is_day_train:
            # Day trains arrive before the night; very long ones leave at dawn.
            latest = max(earliest, min(latest, DAY_TRAIN_LATEST_ARRIVAL - journey_minutes))
        minute = self.rng.randint(earliest, latest)
        return minute - minute % DEPARTURE_ROUNDING

    def name(self, train_type, origin, destination, km, memu=False):
        a, b = self.network.label(origin), self.network.label(destination)
        if train_type == T.RAJDHANI:
            delhi = self.network.stations[origin].city == "Delhi"
            return f"{b if delhi else a} {BRANDS[train_type]}"
        if train_type == T.SHATABDI:
            return f"{b} {BRANDS[train_type]}"
        if train_type in BRANDS:
            return f"{a} - {b} {BRANDS[train_type]}"
        if train_type == T.PASSENGER:
            return f"{a} - {b} {'MEMU' if memu else 'Passenger'}"
        choices = [f"{a} - {b} Express"]
        if train_type == T.SUPERFAST:
            choices.append(f"{a} - {b} Superfast Express")
        if km >= LONG_DISTANCE_KM:
            choices.append(f"{b} Mail")  # the mails are the long-distance workhorses
        else:
            choices.append(f"{a} - {b} Intercity Express")
        return self.rng.choice(choices)


def _sections(network, route, band):
    """(start, end) index pairs between major stations in different cities, band[0] <= km <= band[1]."""
    majors = [index for index, stop in enumerate(route) if stop.level == MAJOR]
    city = {index: network.city(route[index].code) for index in majors}
    return [
        (i, j)
        for n, i in enumerate(majors)
        for j in majors[n + 1 :]
        if band[0] <= route[j].km - route[i].km <= band[1] and city[i] != city[j]
    ]


def _window(rng, network, route, stops, max_km):
    """A run of consecutive stations for a stopping train: `stops` = (fewest, most) wanted,
    no longer than max_km unless a single leg is, not within one city (Dadar - Mumbai CSMT)."""
    for _ in range(WINDOW_ATTEMPTS):
        wanted = rng.randint(*stops)
        start = rng.randrange(len(route) - 1)
        end = start + 1
        while (
            end + 1 < len(route)
            and end - start + 1 < wanted
            and route[end + 1].km - route[start].km <= max_km
        ):
            end += 1
        if network.city(route[start].code) != network.city(route[end].code):
            break
    return start, end


def _weighted_choice(rng, mix):
    types, weights = zip(*mix, strict=True)
    return rng.choices(types, weights)[0]


class BasePlanner:
    """The scale-1 network: a plan of train pairs for every corridor."""

    def __init__(self, network):
        self.network = network
        self.rng = random.Random(BASE_SEED)
        self.factory = TrainFactory(network, self.rng)
        self.numbers = NumberAllocator(self.rng)

    def trains(self):
        trains = []
        for corridor in CORRIDORS:
            route = self.network.route(corridor)
            for train_type, (start, end), name, memu in self._plan(corridor, route):
                zone = self.network.stations[route[start].code].zone
                numbers = self.numbers.pair(train_type, zone, memu)
                trains.extend(
                    self.factory.pair(route, start, end, train_type, numbers, name, corridor.hill, memu)
                )
        return trains

    def _plan(self, corridor, route):
        """(type, section, proper name or None, MEMU?) for each pair of trains on the corridor."""
        rng = self.rng
        whole = (0, len(route) - 1)
        length = route[-1].km
        if corridor.hill:
            plan = [(T.MAIL_EXPRESS, whole, name, False) for name in corridor.named]
            return plan + [(T.PASSENGER, whole, None, False) for _ in range(HILL_PASSENGER_PAIRS)]
        # The first train over the whole corridor is a mail/express, which calls everywhere:
        # every station of the corridor is served.
        names = corridor.named or (None,)
        plan = [(T.MAIL_EXPRESS, whole, names[0], False)]
        plan += [(self._express_type(), whole, name, False) for name in names[1:]]
        if corridor.rajdhani:
            plan.append((T.RAJDHANI, whole, None, False))
        if length >= LONG_DISTANCE_KM:
            for train_type in (T.DURONTO, T.GARIB_RATH, T.HUMSAFAR):
                if rng.random() < LONG_PREMIUM_CHANCE * corridor.weight:
                    plan.append((train_type, self._section(route, LONG_KM) or whole, None, False))
        for _ in range(round(corridor.weight * length / KM_PER_EXTRA_PAIR)):
            band = rng.choice(tuple(BAND_MIX))
            section = self._section(route, band)
            train_type = _weighted_choice(rng, BAND_MIX[band]) if section else self._express_type()
            plan.append((train_type, section or whole, None, False))
        section = _window(rng, self.network, route, PASSENGER_STOPS, PASSENGER_MAX_KM)
        plan.append((T.PASSENGER, section, None, rng.random() < MEMU_CHANCE))
        return plan

    def _section(self, route, band):
        sections = _sections(self.network, route, band)
        return self.rng.choice(sections) if sections else None

    def _express_type(self):
        return T.SUPERFAST if self.rng.random() < SUPERFAST_CHANCE else T.MAIL_EXPRESS


class SyntheticPlanner:
    """Extra trains for scale > 1, calling at synthetic halts between the major stations."""

    def __init__(self, network):
        self.network = network
        self.rng = random.Random(SYNTHETIC_SEED)
        self.factory = TrainFactory(network, self.rng)
        self._halt_count = 0
        self._halts_per_place = {}
        self._places = {}  # halt code -> the town a train ending there is named after
        self.halts = self._halts()
        network.add_stations(self.stations(), self._places)  # passenger trains may end at a halt
        self.routes = [self._dense_route(corridor) for corridor in CORRIDORS]
        self._section_cache = {}

    def stations(self):
        return [halt.record for halts in self.halts.values() for halt in halts]

    def trains(self, pairs):
        rng = self.rng
        # Long corridors carry more trains.
        cum_weights = list(itertools.accumulate(route[-1].km for route in self.routes))
        trains = []
        for serial in range(pairs):
            index = rng.choices(range(len(CORRIDORS)), cum_weights=cum_weights)[0]
            corridor, route = CORRIDORS[index], self.routes[index]
            train_type = (
                rng.choice(HILL_TYPES) if corridor.hill else _weighted_choice(rng, SYNTHETIC_TYPE_MIX)
            )
            train_type, (start, end) = self._section(index, train_type)
            numbers = tuple(f"{SYNTHETIC_NUMBER_PREFIX}{2 * serial + k:06d}" for k in (1, 2))
            memu = train_type == T.PASSENGER and rng.random() < MEMU_CHANCE
            trains.extend(
                self.factory.pair(route, start, end, train_type, numbers, None, corridor.hill, memu)
            )
        return trains

    def _section(self, index, train_type):
        """The section a train of this type runs over, and the type (long trains need room)."""
        route = self.routes[index]
        if train_type == T.PASSENGER:
            window = _window(
                self.rng, self.network, route, SYNTHETIC_PASSENGER_STOPS, SYNTHETIC_PASSENGER_MAX_KM
            )
            return train_type, window
        band = SYNTHETIC_BANDS.get(train_type) or self.rng.choice((MEDIUM_KM, LONG_KM))
        key = (index, band)
        if key not in self._section_cache:
            self._section_cache[key] = _sections(self.network, route, band)
        sections = self._section_cache[key]
        if sections:
            return train_type, self.rng.choice(sections)
        if band == LONG_KM:
            train_type = T.SUPERFAST  # a short corridor: no room for a long-distance brand
        return train_type, (0, len(route) - 1)

    def _halts(self):
        """Halts for every distinct pair of neighbouring stations, shared by all corridors."""
        halts = {}
        for corridor in CORRIDORS:
            codes = [code for code, _ in corridor.stations]
            for a, b in itertools.pairwise(codes):
                key = tuple(sorted((a, b)))
                if key not in halts:
                    halts[key] = self._segment_halts(*key, corridor.winding)
        return halts

    def _segment_halts(self, a, b, winding):
        first, second = self.network.stations[a], self.network.stations[b]
        count = max(0, round(segment_km(first, second, winding) / HALT_SPACING_KM) - 1)
        return [self._halt(first, second, k / (count + 1)) for k in range(1, count + 1)]

    def _halt(self, first, second, fraction):
        near = first if fraction <= 0.5 else second
        place = near.city or near.name
        self._halts_per_place[place] = self._halts_per_place.get(place, 0) + 1
        self._halt_count += 1
        self._places[self._halt_code()] = self.network.label(near.code)
        record = StationRecord(
            code=self._halt_code(),
            name=f"{place} Halt {self._halts_per_place[place]}",
            state=near.state,
            zone=near.zone,
            latitude=round(first.latitude + (second.latitude - first.latitude) * fraction, 4),
            longitude=round(first.longitude + (second.longitude - first.longitude) * fraction, 4),
        )
        return Halt(record, fraction)

    def _halt_code(self):
        return f"{HALT_CODE_PREFIX}{self._halt_count:0{HALT_CODE_DIGITS}d}"

    def _dense_route(self, corridor):
        """The corridor's route with the halts of each segment slotted in, in travel order."""
        base = self.network.route(corridor)
        route = [base[0]]
        for previous, stop in itertools.pairwise(base):
            forward = previous.code < stop.code
            halts = self.halts[(previous.code, stop.code) if forward else (stop.code, previous.code)]
            for halt in halts if forward else reversed(halts):
                fraction = halt.fraction if forward else 1 - halt.fraction
                route.append(
                    RouteStop(halt.record.code, previous.km + (stop.km - previous.km) * fraction, HALT)
                )
            route.append(stop)
        return route


def build_demo_network(scale=1):
    """(station records, train records) of the demo network; scale > 1 adds synthetic load."""
    if scale < 1:
        raise ValueError("scale must be at least 1")
    network = Network()
    stations = list(MAJOR_STATIONS)
    trains = BasePlanner(network).trains()
    if scale > 1:
        synthetic = SyntheticPlanner(network)
        stations += synthetic.stations()
        trains += synthetic.trains((scale - 1) * len(trains) // 2)
    return stations, trains
