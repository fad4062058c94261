"""JSON views: each path's view dispatches on the method."""
from functools import wraps

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clinic import selectors, services, validators


def api(view):
    """Maps the service layer's errors to statuses."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except services.NotFound as error:
            return JsonResponse({"detail": str(error)}, status=404)
        except services.Conflict as error:
            return JsonResponse({"detail": str(error)}, status=409)
        except validators.ValidationError as error:
            return JsonResponse({"field": error.field, "detail": error.problem}, status=422)

    return csrf_exempt(wrapper)


@require_http_methods(["GET"])
def health(request):
    return JsonResponse({"status": "ok"})


@require_http_methods(["GET"])
def stats(request):
    return JsonResponse(services.stats())


@api
@require_http_methods(["GET", "POST"])
def patients(request):
    if request.method == "POST":
        return JsonResponse(services.create_patient(validators.body(request)), status=201)
    return JsonResponse([patient.to_dict() for patient in services.Patient.objects.order_by("name")], safe=False)


@api
@require_http_methods(["GET", "PATCH", "DELETE"])
def patient_detail(request, pk):
    if request.method == "DELETE":
        services.delete_patient(pk)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        return JsonResponse(services.update_patient(pk, validators.body(request)))
    return JsonResponse(services.get_patient(pk))


@api
@require_http_methods(["GET"])
def patient_appointments(request, pk):
    services.find_patient(pk)
    return JsonResponse([appointment.to_dict() for appointment in selectors.appointments_of_patient(pk)], safe=False)


@api
@require_http_methods(["GET", "POST"])
def doctors(request):
    if request.method == "POST":
        return JsonResponse(services.create_doctor(validators.body(request)))
    specialty = request.GET.get("specialty")
    query = services.Doctor.objects.order_by("name")
    if specialty:
        query = query.filter(specialty=specialty)
    return JsonResponse([doctor.to_dict() for doctor in query], safe=False)


@api
@require_http_methods(["GET", "PATCH"])
def doctor_detail(request, pk):
    if request.method == "PATCH":
        return JsonResponse(services.update_doctor(pk, validators.body(request)))
    return JsonResponse(services.get_doctor(pk))


@api
@require_http_methods(["GET"])
def doctor_appointments(request, pk):
    services.find_doctor(pk)
    return JsonResponse([appointment.to_dict() for appointment in selectors.appointments_of_doctor(pk)], safe=False)


@api
@require_http_methods(["GET", "POST"])
def appointments(request):
    if request.method == "POST":
        return JsonResponse(services.create_appointment(validators.body(request)), status=201)
    return JsonResponse(services.list_appointments(request.GET.get("doctor_id"), request.GET.get("status")), safe=False)


@api
@require_http_methods(["GET", "PATCH", "DELETE"])
def appointment_detail(request, pk):
    if request.method == "DELETE":
        services.delete_appointment(pk)
        return HttpResponse(status=204)
    if request.method == "PATCH":
        return JsonResponse(services.reschedule(pk, validators.body(request)))
    return JsonResponse(services.find_appointment(pk).to_dict())


@api
@require_http_methods(["POST"])
def cancel_appointment(request, pk):
    return JsonResponse(services.cancel(pk))


@api
@require_http_methods(["POST"])
def complete_appointment(request, pk):
    return JsonResponse(services.complete(pk))
