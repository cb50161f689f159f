from django.urls import path

from classrooms.apis import classes, keys, runs, trading

urlpatterns = [
    path("classes", classes.ClassListApi.as_view(), name="api-classes"),
    path("classes/join", classes.ClassJoinApi.as_view(), name="api-class-join"),
    path("classes/scenarios", runs.ScenarioListApi.as_view(), name="api-class-scenarios"),
    path("classes/<id:classroom_id>", classes.ClassDetailApi.as_view(), name="api-class"),
    path("classes/<id:classroom_id>/board", runs.ClassBoardApi.as_view(), name="api-class-board"),
    path("classes/<id:classroom_id>/scenario", runs.ClassScenarioApi.as_view(), name="api-class-scenario"),
    path("classes/<id:classroom_id>/scenario/start", runs.ClassScenarioStartApi.as_view(), name="api-class-start"),
    path("classes/<id:classroom_id>/scenario/pause", runs.ClassScenarioPauseApi.as_view(), name="api-class-pause"),
    path("classes/<id:classroom_id>/scenario/resume", runs.ClassScenarioResumeApi.as_view(), name="api-class-resume"),
    path("classes/<id:classroom_id>/scenario/stop", runs.ClassScenarioStopApi.as_view(), name="api-class-stop"),
    path("classes/<id:classroom_id>/prices", runs.ClassPriceApi.as_view(), name="api-class-prices"),
    path("classes/<id:classroom_id>/accounts", trading.ClassAccountListApi.as_view(), name="api-class-accounts"),
    path("classes/<id:classroom_id>/accounts/isolated", trading.ClassIsolatedApi.as_view(), name="api-class-isolated"),
    path("classes/<id:classroom_id>/orders", trading.ClassOrderApi.as_view(), name="api-class-orders"),
    path(
        "classes/<id:classroom_id>/orders/<id:order_id>", trading.ClassOrderDetailApi.as_view(), name="api-class-order"
    ),
    path("classes/<id:classroom_id>/transfers", trading.ClassTransferApi.as_view(), name="api-class-transfers"),
    path("classes/<id:classroom_id>/api-keys", keys.ClassApiKeyListApi.as_view(), name="api-class-api-keys"),
    path(
        "classes/<id:classroom_id>/api-keys/<id:api_key_id>",
        keys.ClassApiKeyRevokeApi.as_view(),
        name="api-class-api-key",
    ),
    path("classes/<id:classroom_id>/loans", trading.ClassLoanApi.as_view(), name="api-class-loans"),
    path("classes/<id:classroom_id>/repayments", trading.ClassRepaymentApi.as_view(), name="api-class-repayments"),
]
