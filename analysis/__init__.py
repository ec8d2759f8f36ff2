"""Impact statistics for SCORE: pure pandas/scipy/statsmodels, no Streamlit, no database.

Every public function takes tidy frames (see ``docs/architecture.md``) and returns a tidy
``pandas.DataFrame`` with fixed, documented columns, in the style of pingouin. Only
``analysis.adapter`` reads the database models.
"""

from analysis.binary import mcnemar, two_proportion_test
from analysis.compare import compare_phases
from analysis.did import did_constructs, did_ols
from analysis.kpi import kpi_changes, kpi_tests
from analysis.multicomp import adjust_pvalues
from analysis.nonparametric import mann_whitney, wilcoxon_signed_rank
from analysis.parametric import bootstrap_ci, paired_ttest, welch_ttest
from analysis.reliability import construct_reliability, cronbach_alpha
from analysis.scorecard import scorecard
from analysis.scoring import construct_scores, item_scores, reverse_code
from analysis.suppression import suppress

__all__ = [
    "adjust_pvalues",
    "bootstrap_ci",
    "compare_phases",
    "construct_reliability",
    "construct_scores",
    "cronbach_alpha",
    "did_constructs",
    "did_ols",
    "item_scores",
    "kpi_changes",
    "kpi_tests",
    "mann_whitney",
    "mcnemar",
    "paired_ttest",
    "reverse_code",
    "scorecard",
    "suppress",
    "two_proportion_test",
    "welch_ttest",
    "wilcoxon_signed_rank",
]
