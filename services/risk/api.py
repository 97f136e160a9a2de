"""risk routes: thin translations between JSON and commands."""

from fastapi import APIRouter

router = APIRouter()
