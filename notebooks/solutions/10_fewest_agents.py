meets = staffing[staffing["service level"] >= 0.8]
agents = int(meets.index.min())
agents
