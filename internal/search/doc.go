// Package search reads Conductor's search syntax once for every kind of record: the SQL-like
// query (comparisons joined by AND and OR), the sort list and the page of workflow, task and
// schedule-execution searches. A Schema names the fields a kind accepts and the kind of value
// each holds; Parse checks a query against it and hands the store conditions it can run as
// they are. The Service runs workflow searches over the store.
package search
