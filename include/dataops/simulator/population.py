"""Customers (cards) and terminals of the simulated world, built once per configuration.

Customers live at a point of a 100 x 100 grid of their home country, have a mean amount, an activity
level and a propensity for online and ATM use. Card-present terminals (pos, atm) stand on the same
grids; every customer has a handful of nearby pos and atm terminals they use, online merchants are
chosen by popularity. Fraud scenarios pick the victims of a compromised terminal among the customers
living in its grid cell (who have it among their usual terminals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from dataops.simulator import geography as geo
from dataops.simulator.choice import GroupedChooser, fill_missing
from dataops.simulator.config import SimConfig
from dataops.simulator.rng import static_rng

GRID = 100.0
CELL = 10.0
CELLS_PER_SIDE = int(GRID / CELL)
CITIES_PER_COUNTRY = 6
K_POS = 6
K_ATM = 2
#: Share of pos transactions made while travelling (any pos terminal of the world).
TRAVEL_SHARE = 0.02
#: Share of a customer's online purchases made at foreign merchants.
CROSS_BORDER_ECOM_SHARE = 0.30

CHANNEL_INDEX = {c: i for i, c in enumerate(geo.CHANNELS)}
POS, ECOM, ATM = CHANNEL_INDEX["pos"], CHANNEL_INDEX["ecom"], CHANNEL_INDEX["atm"]
COUNTRY_INDEX = {c: i for i, c in enumerate(geo.COUNTRY_CODES)}
N_COUNTRIES = len(geo.COUNTRY_CODES)
N_CELLS = N_COUNTRIES * CELLS_PER_SIDE * CELLS_PER_SIDE
MCC_CODES: tuple[str, ...] = tuple(sorted({geo.ATM_MCC, *geo.POS_MCCS, *geo.ECOM_MCCS}))
MCC_INDEX = {m: i for i, m in enumerate(MCC_CODES)}
N_MCCS = len(MCC_CODES)
CURRENCY_OF_COUNTRY = np.array([geo.COUNTRIES[c][0] for c in geo.COUNTRY_CODES])
FX_OF_COUNTRY = np.array([geo.COUNTRIES[c][1] for c in geo.COUNTRY_CODES])


def _weights(table: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    idx = np.array([COUNTRY_INDEX[c] for c in table])
    w = np.array(list(table.values()), dtype=float)
    return idx, w / w.sum()


def _ids(prefix: str, n: int, width: int) -> pa.Array:
    digits = pc.utf8_lpad(pc.cast(pa.array(np.arange(1, n + 1)), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


@dataclass(frozen=True)
class Population:
    """Arrays describing customers (index ``c``) and terminals (index ``t``)."""

    cust_country: np.ndarray
    cust_xy: np.ndarray
    cust_mean_eur: np.ndarray
    cust_weight: np.ndarray
    cust_p_ecom: np.ndarray
    cust_p_atm: np.ndarray
    cust_pos_cand: np.ndarray
    cust_atm_cand: np.ndarray
    term_channel: np.ndarray
    term_country: np.ndarray
    term_mcc: np.ndarray
    term_xy: np.ndarray
    term_amount_factor: np.ndarray
    term_load: np.ndarray
    pos_terminals: np.ndarray
    ecom_by_country: GroupedChooser
    ecom_any: GroupedChooser
    term_by_channel_country: GroupedChooser
    term_by_channel_country_mcc: GroupedChooser
    cust_by_country: GroupedChooser
    cust_by_cell: GroupedChooser
    customer_ids: pa.Array
    terminal_ids: pa.Array

    @property
    def n_customers(self) -> int:
        return len(self.cust_country)

    @property
    def n_terminals(self) -> int:
        return len(self.term_channel)

    def channel_country_group(self, channel: int | np.ndarray, country: np.ndarray) -> np.ndarray:
        """Group key of (channel, country) for ``term_by_channel_country``."""
        return np.asarray(channel) * N_COUNTRIES + np.asarray(country)

    def channel_country_mcc_group(
        self, channel: int | np.ndarray, country: np.ndarray, mcc: np.ndarray
    ) -> np.ndarray:
        """Group key of (channel, country, mcc) for ``term_by_channel_country_mcc``."""
        return (np.asarray(channel) * N_COUNTRIES + np.asarray(country)) * N_MCCS + np.asarray(mcc)

    def pick_terminal(
        self,
        rng: np.random.Generator,
        channel: np.ndarray,
        country: np.ndarray,
        mcc: np.ndarray | None = None,
    ) -> np.ndarray:
        """A terminal per draw of the requested channel and country (and mcc when given and >= 0).

        Falls back to any mcc of that channel and country, then to any terminal of that channel.
        """
        channel = np.asarray(channel, dtype=np.int64)
        country = np.asarray(country, dtype=np.int64)
        out = np.full(len(channel), -1, dtype=np.int64)
        if mcc is not None:
            mcc = np.asarray(mcc, dtype=np.int64)
            wanted = mcc >= 0
            groups = self.channel_country_mcc_group(channel[wanted], country[wanted], mcc[wanted])
            out[wanted] = self.term_by_channel_country_mcc.draw(rng, groups)
        out = fill_missing(out, self.term_by_channel_country.draw(rng, self.channel_country_group(channel, country)))
        # Any country: draw a country per row among those that have the channel.
        any_country = rng.integers(0, N_COUNTRIES, size=len(channel))
        for _ in range(4 * N_COUNTRIES):
            missing = out < 0
            if not missing.any():
                break
            groups = self.channel_country_group(channel[missing], any_country[missing])
            out[missing] = self.term_by_channel_country.draw(rng, groups)
            any_country[missing] = rng.integers(0, N_COUNTRIES, size=int(missing.sum()))
        return out

    def regular_of(self, rng: np.random.Generator, terminals: np.ndarray) -> np.ndarray:
        """A customer per requested terminal living in its grid cell (a random compatriot if none does)."""
        terminals = np.asarray(terminals, dtype=np.int64)
        cells = _cell_key(self.term_country[terminals].astype(np.int64), self.term_xy[terminals])
        chosen = self.cust_by_cell.draw(rng, cells)
        fallback = self.cust_by_country.draw(rng, self.term_country[terminals])
        fallback = np.where(fallback >= 0, fallback, rng.integers(0, self.n_customers, size=len(terminals)))
        return fill_missing(chosen, fallback)


def _locations(rng: np.random.Generator, country: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Points clustered around the cities of each row's country (30 % spread uniformly)."""
    n = len(country)
    city = rng.integers(0, CITIES_PER_COUNTRY, size=n)
    near = centres[country, city] + rng.normal(0.0, 6.0, size=(n, 2))
    uniform = rng.uniform(0.0, GRID, size=(n, 2))
    xy = np.where((rng.random(n) < 0.7)[:, None], near, uniform)
    return np.clip(xy, 0.0, GRID - 1e-6)


def _cell_key(country: np.ndarray, xy: np.ndarray) -> np.ndarray:
    cx = (xy[..., 0] // CELL).astype(np.int64)
    cy = (xy[..., 1] // CELL).astype(np.int64)
    return (country * CELLS_PER_SIDE + cx) * CELLS_PER_SIDE + cy


def _candidates(
    rng: np.random.Generator,
    cust_country: np.ndarray,
    cust_xy: np.ndarray,
    terms: np.ndarray,
    term_country: np.ndarray,
    term_xy: np.ndarray,
    k: int,
) -> np.ndarray:
    """``k`` terminals near each customer: a terminal in the grid cell of a point close to home."""
    n = len(cust_country)
    by_cell = GroupedChooser(terms, _cell_key(term_country[terms], term_xy[terms]), N_CELLS)
    by_country = GroupedChooser(terms, term_country[terms], N_COUNTRIES)
    country = np.repeat(cust_country, k)
    points = np.clip(np.repeat(cust_xy, k, axis=0) + rng.normal(0.0, 5.0, size=(n * k, 2)), 0.0, GRID - 1e-6)
    chosen = by_cell.draw(rng, _cell_key(country, points))
    chosen = fill_missing(chosen, by_country.draw(rng, country))
    chosen = fill_missing(chosen, terms[rng.integers(0, len(terms), size=n * k)])
    return chosen.reshape(n, k)


def build_population(config: SimConfig) -> Population:
    """Draw the customers and terminals of ``config`` (deterministic in seed and sizes).

    :param config: simulation configuration.
    """
    n_c, n_t = config.customers, config.terminals
    rng = static_rng(config.seed, "population", n_c, n_t)
    centres = rng.uniform(10.0, GRID - 10.0, size=(N_COUNTRIES, CITIES_PER_COUNTRY, 2))

    # Terminals: channel, country, location, mcc.
    shares = np.array([geo.CHANNEL_TERMINAL_SHARE[c] for c in geo.CHANNELS])
    term_channel = rng.choice(len(geo.CHANNELS), size=n_t, p=shares / shares.sum()).astype(np.int8)
    # Guarantee at least one terminal of each channel.
    term_channel[: len(geo.CHANNELS)] = np.arange(len(geo.CHANNELS))
    phys_idx, phys_w = _weights(geo.PHYSICAL_TERMINAL_COUNTRY_WEIGHTS)
    ecom_idx, ecom_w = _weights(geo.ECOM_TERMINAL_COUNTRY_WEIGHTS)
    term_country = np.where(
        term_channel == ECOM, rng.choice(ecom_idx, size=n_t, p=ecom_w), rng.choice(phys_idx, size=n_t, p=phys_w)
    ).astype(np.int8)
    term_country[: len(geo.CHANNELS)] = COUNTRY_INDEX["NL"]
    term_xy = _locations(rng, term_country.astype(np.int64), centres)
    pos_mccs = list(geo.POS_MCCS)
    pos_w = np.array([geo.POS_MCCS[m][0] for m in pos_mccs])
    ecom_mccs = list(geo.ECOM_MCCS)
    ecom_w_mcc = np.array([geo.ECOM_MCCS[m][0] for m in ecom_mccs])
    pos_draw = rng.choice(len(pos_mccs), size=n_t, p=pos_w / pos_w.sum())
    ecom_draw = rng.choice(len(ecom_mccs), size=n_t, p=ecom_w_mcc / ecom_w_mcc.sum())
    pos_mcc_idx = np.array([MCC_INDEX[m] for m in pos_mccs])[pos_draw]
    ecom_mcc_idx = np.array([MCC_INDEX[m] for m in ecom_mccs])[ecom_draw]
    term_mcc = np.select(
        [term_channel == POS, term_channel == ECOM], [pos_mcc_idx, ecom_mcc_idx], MCC_INDEX[geo.ATM_MCC]
    ).astype(np.int16)
    factor_of_mcc = np.ones(N_MCCS)
    for table in (geo.POS_MCCS, geo.ECOM_MCCS):
        for m, (_, f) in table.items():
            factor_of_mcc[MCC_INDEX[m]] = f
    term_amount_factor = np.where(term_channel == ATM, geo.ATM_AMOUNT_FACTOR, factor_of_mcc[term_mcc])
    popularity = np.where(term_channel == ECOM, rng.lognormal(0.0, 1.5, size=n_t), 1.0)

    # Customers: home country and location, spending profile.
    cust_idx, cust_w = _weights(geo.CUSTOMER_COUNTRY_WEIGHTS)
    cust_country = rng.choice(cust_idx, size=n_c, p=cust_w).astype(np.int8)
    cust_xy = _locations(rng, cust_country.astype(np.int64), centres)
    cust_mean_eur = rng.lognormal(np.log(30.0), 0.5, size=n_c)
    activity = rng.lognormal(0.0, 0.6, size=n_c)
    cust_weight = activity / activity.sum()
    cust_p_ecom = rng.beta(2.0, 6.0, size=n_c)
    cust_p_atm = np.minimum(rng.beta(1.0, 15.0, size=n_c), 1.0 - cust_p_ecom)

    terminals = np.arange(n_t)
    pos_terms = terminals[term_channel == POS]
    atm_terms = terminals[term_channel == ATM]
    ecom_terms = terminals[term_channel == ECOM]
    cc = cust_country.astype(np.int64)
    tc = term_country.astype(np.int64)
    cust_pos_cand = _candidates(rng, cc, cust_xy, pos_terms, tc, term_xy, K_POS).astype(np.int32)
    cust_atm_cand = _candidates(rng, cc, cust_xy, atm_terms, tc, term_xy, K_ATM).astype(np.int32)

    # Expected share of the day's legitimate volume landing on each card-present terminal.
    pos_share = cust_weight * (1.0 - cust_p_ecom - cust_p_atm)
    term_load = np.bincount(
        cust_pos_cand.ravel(), weights=np.repeat(pos_share * (1 - TRAVEL_SHARE) / K_POS, K_POS), minlength=n_t
    )
    term_load[pos_terms] += TRAVEL_SHARE * pos_share.sum() / len(pos_terms)
    term_load += np.bincount(
        cust_atm_cand.ravel(), weights=np.repeat(cust_weight * cust_p_atm / K_ATM, K_ATM), minlength=n_t
    )

    n_cc = len(geo.CHANNELS) * N_COUNTRIES
    tch = term_channel.astype(np.int64)
    tmcc = term_mcc.astype(np.int64)
    return Population(
        cust_country=cust_country,
        cust_xy=cust_xy,
        cust_mean_eur=cust_mean_eur,
        cust_weight=cust_weight,
        cust_p_ecom=cust_p_ecom,
        cust_p_atm=cust_p_atm,
        cust_pos_cand=cust_pos_cand,
        cust_atm_cand=cust_atm_cand,
        term_channel=term_channel,
        term_country=term_country,
        term_mcc=term_mcc,
        term_xy=term_xy,
        term_amount_factor=term_amount_factor,
        term_load=term_load,
        pos_terminals=pos_terms,
        ecom_by_country=GroupedChooser(ecom_terms, tc[ecom_terms], N_COUNTRIES, popularity[ecom_terms]),
        ecom_any=GroupedChooser(ecom_terms, np.zeros(len(ecom_terms), dtype=np.int64), 1, popularity[ecom_terms]),
        term_by_channel_country=GroupedChooser(terminals, tch * N_COUNTRIES + tc, n_cc),
        term_by_channel_country_mcc=GroupedChooser(terminals, (tch * N_COUNTRIES + tc) * N_MCCS + tmcc, n_cc * N_MCCS),
        cust_by_country=GroupedChooser(np.arange(n_c), cc, N_COUNTRIES),
        cust_by_cell=GroupedChooser(np.arange(n_c), _cell_key(cc, cust_xy), N_CELLS),
        customer_ids=_ids("C", n_c, 7),
        terminal_ids=_ids("T", n_t, 6),
    )
