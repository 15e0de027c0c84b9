import json

task = tutorial.workspace.tasks.create(
    attributes=json.dumps({"selected_language": "es"}),
    workflow_sid=tutorial.workflow_sid,
)
task.assignment_status
