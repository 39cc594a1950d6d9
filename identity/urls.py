from django.contrib.auth import views as auth_views
from django.urls import path

app_name = "identity"

urlpatterns = [
    path("connexion/", auth_views.LoginView.as_view(), name="login"),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("inscription/", auth_views.LoginView.as_view(), name="signup"),
    path("profil/", auth_views.LoginView.as_view(), name="profile"),
]
