/** A stored document as the service reads it: without Convex's system fields. */
export const withoutSystemFields = <T extends { _id: unknown; _creationTime: number }>({
  _id: _,
  _creationTime: __,
  ...fields
}: T) => fields
