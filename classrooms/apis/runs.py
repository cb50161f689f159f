"""/api/v1/classes/{id}/scenario and /board, and the scenarios a class can play."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from classrooms import selectors
from classrooms.apis.common import CLASSES, BoardRowOutputSerializer
from classrooms.models import ScenarioRun
from classrooms.services import scenarios
from core.errors import NotFound
from core.fields import AmountInputField, StrictCharField, amount_field, query
from core.pagination import PagePagination, paginated_response


class ScenarioOutputSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    spec = serializers.JSONField()


class ScenarioListApi(APIView):
    pagination_class = PagePagination

    @extend_schema(tags=[CLASSES], responses=ScenarioOutputSerializer(many=True))
    def get(self, request):
        return paginated_response(
            view=self, request=request, items=selectors.scenario_list(), serializer_class=ScenarioOutputSerializer
        )


class RunOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    scenario = serializers.CharField(source="scenario.slug")
    state = serializers.ChoiceField(choices=ScenarioRun.State.choices)
    speed = serializers.DecimalField(max_digits=12, decimal_places=3)
    elapsed = serializers.DecimalField(
        max_digits=16, decimal_places=3, help_text="Scenario seconds played until the last pause or resume."
    )
    steps = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    ended_at = serializers.DateTimeField(allow_null=True)
    prices = serializers.SerializerMethodField()

    def get_prices(self, obj) -> dict[str, str]:
        return {s: str(p) for s, p in scenarios.market_prices(classroom=obj.classroom).items()}


class ClassScenarioApi(APIView):
    """The class's current (or last) scenario run; members may look, only the instructor acts."""

    @extend_schema(tags=[CLASSES], responses=RunOutputSerializer)
    def get(self, request, classroom_id: int):
        classroom = selectors.classroom_get_for_user(user=request.user, classroom_id=classroom_id)
        run = selectors.run_current(classroom=classroom)
        if run is None:
            raise NotFound("No scenario has run in this class yet.")
        return Response(RunOutputSerializer(run).data)


class ClassScenarioStartApi(APIView):
    class InputSerializer(serializers.Serializer):
        scenario = StrictCharField(max_length=64, help_text="A scenario's slug, e.g. flash-crash.")
        speed = AmountInputField(required=False, help_text="Scenario seconds per second; default the scenario's.")

    @extend_schema(tags=[CLASSES], request=InputSerializer, responses={201: RunOutputSerializer})
    def post(self, request, classroom_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        run = scenarios.scenario_start(user=request.user, classroom_id=classroom_id, **serializer.validated_data)
        return Response(RunOutputSerializer(run).data, status=status.HTTP_201_CREATED)


def _action(service):
    class ActionApi(APIView):
        @extend_schema(tags=[CLASSES], request=None, responses=RunOutputSerializer)
        def post(self, request, classroom_id: int):
            return Response(RunOutputSerializer(service(user=request.user, classroom_id=classroom_id)).data)

    ActionApi.__name__ = ActionApi.__qualname__ = f"ClassScenario{service.__name__.split('_')[-1].title()}Api"
    ActionApi.__doc__ = service.__doc__ or f"{service.__name__.split('_')[-1].title()} the running scenario."
    return ActionApi


ClassScenarioPauseApi = _action(scenarios.scenario_pause)
ClassScenarioResumeApi = _action(scenarios.scenario_resume)
ClassScenarioStopApi = _action(scenarios.scenario_stop)


class ClassPriceApi(APIView):
    """The instructor sets a class price by hand (the risk engine runs on it at once)."""

    class InputSerializer(serializers.Serializer):
        symbol = StrictCharField(max_length=32)
        price = AmountInputField()

    class OutputSerializer(serializers.Serializer):
        symbol = serializers.CharField()
        price = amount_field()

    @extend_schema(tags=[CLASSES], request=InputSerializer, responses=OutputSerializer)
    def post(self, request, classroom_id: int):
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        price = scenarios.class_price_set(user=request.user, classroom_id=classroom_id, **data)
        return Response({"symbol": data["symbol"].upper(), "price": f"{price:.8f}"})


class ClassBoardApi(APIView):
    """The board: the instructor sees every member; a member sees their own row (with both ranks) only."""

    pagination_class = PagePagination

    @extend_schema(
        tags=[CLASSES],
        parameters=[
            query("sort", "Sort by this column.", enum=list(selectors.SORT_KEYS)),
            query("order", "asc or desc (default asc).", enum=["asc", "desc"]),
        ],
        responses=BoardRowOutputSerializer(many=True),
    )
    def get(self, request, classroom_id: int):
        classroom = selectors.classroom_get_for_user(user=request.user, classroom_id=classroom_id)
        rows = selectors.class_board(classroom=classroom)
        rows = selectors.board_sort(
            rows,
            sort=request.query_params.get("sort", "rank_by_return"),
            order=request.query_params.get("order", "asc"),
        )
        if classroom.instructor_id != request.user.pk:
            membership = selectors.membership_get(user=request.user, classroom=classroom)
            rows = [r for r in rows if r.membership_id == membership.pk]
        return paginated_response(view=self, request=request, items=rows, serializer_class=BoardRowOutputSerializer)
