package dynamo

// timeLayout stores instants so that string order is time order.
const timeLayout = "2006-01-02T15:04:05.000000000Z"
