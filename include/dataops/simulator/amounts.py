"""Transaction amounts in the local currency of the terminal, as integer cents."""

from __future__ import annotations

import numpy as np

from dataops.simulator.population import ATM, FX_OF_COUNTRY, Population

#: Spread of a legitimate amount around the customer's mean for the merchant category (log scale).
LEGIT_SIGMA = 0.45


def to_local_cents(pop: Population, terminals: np.ndarray, amount_eur: np.ndarray) -> np.ndarray:
    """Convert EUR amounts to cents of the terminal's currency; ATM withdrawals round to 10 units.

    :param pop: population (terminal countries and channels).
    :param terminals: terminal of each amount.
    :param amount_eur: amounts in EUR.
    """
    local = amount_eur * FX_OF_COUNTRY[pop.term_country[terminals]]
    atm = pop.term_channel[terminals] == ATM
    local = np.where(atm, np.clip(np.round(local / 10.0) * 10.0, 20.0, 1000.0), np.maximum(local, 0.5))
    return np.round(local * 100.0).astype(np.int64)


def legit_amount_cents(
    rng: np.random.Generator, pop: Population, customers: np.ndarray, terminals: np.ndarray
) -> np.ndarray:
    """Amounts of ordinary purchases: customer mean x merchant-category factor x lognormal noise.

    :param rng: random generator.
    :param pop: population.
    :param customers: customer of each transaction.
    :param terminals: terminal of each transaction.
    """
    noise = rng.lognormal(0.0, LEGIT_SIGMA, size=len(customers))
    eur = pop.cust_mean_eur[customers] * pop.term_amount_factor[terminals] * noise
    return to_local_cents(pop, terminals, eur)
