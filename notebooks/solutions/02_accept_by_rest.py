the_reservation = tutorial.workspace.tasks(task.sid).reservations(reservation.sid)
accepted = the_reservation.update(reservation_status="accepted")
accepted.reservation_status
