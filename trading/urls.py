from django.contrib.auth.views import LogoutView
from django.urls import path

from trading import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only: a link or an image cannot sign anybody out.
    path("logout/", LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
]
