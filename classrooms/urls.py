from django.urls import path

from classrooms.views import board, keys, pages

urlpatterns = [
    path("classes/", pages.class_list, name="classes"),
    path("classes/join/<str:code>/", pages.class_join_link, name="class-join-link"),
    path("classes/<id:classroom_id>/", pages.class_detail, name="class"),
    path("classes/<id:classroom_id>/board", board.class_board, name="class-board"),
    path("classes/<id:classroom_id>/board.csv", board.class_board_csv, name="class-board-csv"),
    path("classes/<id:classroom_id>/scenario/<slug:action>", pages.class_scenario, name="class-scenario"),
    path("classes/<id:classroom_id>/api-keys/", keys.class_api_keys, name="class-api-keys"),
    path(
        "classes/<id:classroom_id>/api-keys/<id:key_id>/revoke", keys.class_api_key_revoke, name="class-api-key-revoke"
    ),
    path("classes/<id:classroom_id>/trade/<slug:action>", pages.class_trade, name="class-trade"),
]
