"""Tests of the experiment's data preparation entry point (explicit options)."""

import pytest

from speechbrain_srst.data.experiment import prepare_experiment_data


@pytest.mark.parametrize(
    ("options", "missing"),
    [
        ({"benchmark_size": "huge"}, "huge"),
        ({"dns_folder": "/data/DNS"}, "corpus"),
    ],
)
def test_unknown_size_names_the_missing_entry(tmp_path, options, missing):
    sizes = {"smoke": {"num_source_mixtures": 4}}
    with pytest.raises(ValueError, match=f"no entry '{missing}' .*'smoke'"):
        prepare_experiment_data(tmp_path, prepare_sizes=sizes, **options)
    assert not any(tmp_path.iterdir()), "nothing is written before the check"
